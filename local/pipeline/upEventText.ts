import type { UpEvent } from './UpEvent';

/**
 * The lines `dsr up` prints for an event as text (each without its line feed). A stop prints none
 * on stdout: the command reports it as its one line on stderr, with the exit code of the signal.
 */
export function upEventText(event: UpEvent): string[] {
  switch (event.event) {
    case 'started':
      return [
        `dsr up: the pipeline runs on ${event.warehouse.kind === 'local' ? 'the local Snowflake endpoint' : 'your Snowflake account'}, state in ${event.stateDir}`,
        ...(event.portsMoved.length > 0
          ? [`  (the ${event.portsMoved.join(', ')} port(s) were taken: source ${event.envFile} again)`]
          : []),
      ];
    case 'request': {
      const hint = event.report === undefined ? '' : ` (${event.report})`;
      return [
        `  ${event.requestId}: ${event.state}${hint}${event.beforeLastStop ? ', before the last stop' : ''}`,
      ];
    }
    case 'ready':
      return [
        ...(event.resumed > 0 ? [`  ${event.resumed} unfinished request(s) submitted again`] : []),
        `In another terminal: . ${event.envFile}`,
        `  npx dsr submit --queue-url "$DSR_QUEUE_URL" --request-id REQ-1 --subject email=… --jurisdiction GDPR --datamap ${event.dataMapFile}`,
        `  npx dsr status REQ-1 · npx dsr report REQ-1 --datamap ${event.dataMapFile}`,
        `Completion events (what the deployed stack publishes to its SNS topic): ${event.completionsFile}`,
        'Press Ctrl+C to stop; unfinished requests are picked up again on the next start.',
      ];
    case 'completion_published_late':
      return [`  ${event.requestId}: completion event published late, by the deadline check`];
    case 'stopped':
      return [];
  }
}
