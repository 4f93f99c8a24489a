/**
 * The order the code stands in, checked by `npm run lint:layers` (part of `npm test`).
 * `shared/` folders, lowest first: a folder may import the folders above it in this list, never
 * those below it. The README's Architecture section says what each folder owns.
 */
const SHARED_ORDER = [
  'errors',
  'config',
  'package',
  'tempFiles',
  'files',
  'telemetry',
  'resilience',
  'alerting',
  'canonical',
  'identity',
  'datamap',
  'discovery',
  'postgres',
  'snowflake',
  'intake',
  'ledger',
  'payload',
  'drift',
  'scan',
  'datamapPreview',
  'datamapInit',
  'erasure',
  'load',
  'audit',
  'report',
  'doctor',
  'pipeline',
];

/** Top-level folders, lowest first, with the same rule. `test/` and `bench/` may import anything. */
const TOP_ORDER = ['shared', 'adapters', 'functions', 'infra', 'local', 'cli'];

const upTheOrder = (order, prefix) =>
  order.slice(0, -1).map((folder, i) => ({
    name: `${prefix}${folder}-imports-up`,
    comment: `${prefix}${folder}/ stands below ${order.slice(i + 1).join(', ')}: it may not import them`,
    severity: 'error',
    from: { path: `^${prefix}${folder}/` },
    to: { path: `^${prefix}(${order.slice(i + 1).join('|')})/` },
  }));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'modules that import each other cannot be understood, tested or moved one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment: 'a module nothing imports is dead code (entry points and tests excepted)',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)[.][^/]+[.](?:js|cjs|mjs|ts|json)$',
          '[.]d[.]m?ts$',
          '(^|/)tsconfig[.]json$',
          '^(vitest|vitest[.]chaos)[.]config[.]ts$',
          '^test/',
          '^bench/',
          '^bin/',
          '^functions/[^/]+/handler[.]ts$',
          '^infra/app[.]ts$',
        ],
      },
      to: {},
    },
    {
      name: 'no-unreachable',
      comment:
        'product code that no entry point (the dsr command, a Lambda handler, the CDK app) reaches is dead code',
      severity: 'error',
      from: { path: '^(bin/dsr[.]js|cli/main[.]ts|functions/[^/]+/handler[.]ts|infra/app[.]ts)$' },
      to: {
        path: '^(shared|adapters|functions|infra|local|cli)/',
        pathNot: ['[.]d[.]ts$', '^(functions/[^/]+/handler[.]ts|infra/app[.]ts)$'],
        reachable: false,
      },
    },
    {
      name: 'product-imports-tests',
      comment: 'the product never imports its tests or benchmarks',
      severity: 'error',
      from: { pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
    ...upTheOrder(SHARED_ORDER, 'shared/'),
    ...upTheOrder(TOP_ORDER, ''),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdk[.]out|coverage|out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
