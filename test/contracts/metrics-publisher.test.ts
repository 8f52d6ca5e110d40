import { SqliteMetricsPublisher } from '../../local/adapters/sqlite-metrics-publisher';
import { EmfMetricsPublisher } from '../../src/adapters/aws/emf-metrics-publisher';
import { aTwinHome } from '../builders/twin-home';
import { fakeCloudWatchLogs } from './fakes/cloudwatch-emf';
import { describeMetricsPublisherContract } from './metrics-publisher.contract';

describeMetricsPublisherContract("SqliteMetricsPublisher (the twin's metric store)", () => {
  const home = aTwinHome();
  const publisher = new SqliteMetricsPublisher(home.db);
  return { publisher, points: async (name, stage) => publisher.series(name, stage), dispose: home.dispose };
});

describeMetricsPublisherContract('EmfMetricsPublisher, read back as CloudWatch reads its log lines', () => {
  const logs = fakeCloudWatchLogs();
  // Powertools writes each EMF document to stdout, where Lambda hands it to CloudWatch Logs.
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n')) if (line.trim() !== '') logs.write(line);
    return true;
  });
  return {
    publisher: new EmfMetricsPublisher(),
    points: async (name, stage) =>
      logs
        .points()
        .filter((p) => p.name === name && p.dimensions.Stage === stage)
        .map(({ at, value }) => ({ at, value }))
        .sort((a, b) => a.at.localeCompare(b.at)),
    dispose: () => stdout.mockRestore(),
  };
});
