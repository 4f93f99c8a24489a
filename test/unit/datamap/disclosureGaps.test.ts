import { describe, expect, it } from 'vitest';
import { disclosureGaps } from '../../../shared/datamap/disclosureGaps';
import { formatPath, parseDataMap } from '../../../shared/datamap/loadDataMap';

const gapsOf = (yaml: string) =>
  disclosureGaps(parseDataMap(yaml, 'map.yaml')).map((g) => `${formatPath(g.path)}: ${g.message}`);

describe('Function: disclosureGaps', () => {
  it('reports a missing controller block and tables whose disclosure lacks purposes, retention or source', () => {
    expect(
      gapsOf(`version: 1
identities: { email: {} }
postgres:
  - table: public.users
    identities: { email: email }
    disclosure: { purposes: [accounts], retention: 2 years }
`),
    ).toEqual([
      'controller: no controller block: the package cannot say who is responsible or whom to contact',
      'postgres[0].disclosure: public.users: the package cannot say its source',
    ]);
  });

  it('reports every stub init wrote until it is filled in, and nothing once it is', () => {
    const stubbed = `version: 1
identities: { email: {} }
controller:
  name: "TODO: the controller's legal name"
  dpo: { name: "TODO: name", email: dpo@example.com }
  automatedDecisions: []
postgres:
  - table: public.users
    identities: { email: email }
    disclosure: { purposes: ["TODO: why"], retention: "TODO: how long", source: you }
`;
    expect(gapsOf(stubbed)).toEqual([
      'controller.name: still a stub: fill it in',
      'controller.dpo.name: still a stub: fill it in',
      'controller.transfers: not stated: the package says so and sends the subject to ask; list the transfers outside the EU/EEA, or write [] when there are none',
      'postgres[0].disclosure.purposes[0]: still a stub: fill it in',
      'postgres[0].disclosure.retention: still a stub: fill it in',
    ]);
    expect(
      gapsOf(
        stubbed
          .replaceAll(/"TODO: [^"]*"/g, 'filled')
          .replace('automatedDecisions: []', 'automatedDecisions: []\n  transfers: []'),
      ),
    ).toEqual([]);
  });

  it('reports transfers and automated decisions left unstated: an empty list says there are none', () => {
    const gaps = gapsOf(`version: 1
identities: { email: {} }
controller: { name: Shop, email: privacy@shop.example }
postgres:
  - table: public.users
    identities: { email: email }
    disclosure: { purposes: [accounts], retention: 2 years, source: you }
`);
    expect(gaps).toEqual([
      expect.stringMatching(/^controller\.transfers: not stated/),
      expect.stringMatching(/^controller\.automatedDecisions: not stated/),
    ]);
  });
});
