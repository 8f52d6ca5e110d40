/**
 * What CloudWatch makes of embedded-metric-format log lines: for each line, the metrics its
 * `_aws.CloudWatchMetrics` directive declares, with the directive's dimensions and the line's timestamp.
 * A declared metric whose value is missing or not a number is rejected, as CloudWatch rejects the line.
 */
export interface EmfPoint {
  name: string;
  dimensions: Record<string, string>;
  at: string;
  value: number;
}

export function fakeCloudWatchLogs() {
  const lines: string[] = [];
  const points = (): EmfPoint[] =>
    lines.flatMap((line) => {
      const event = JSON.parse(line) as Record<string, unknown> & {
        _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      };
      return event._aws.CloudWatchMetrics.flatMap((directive) =>
        directive.Metrics.flatMap(({ Name }) => {
          const value = event[Name];
          if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`EMF line declares ${Name} without a number: ${line}`);
          return directive.Dimensions.map((set) => ({
            name: Name,
            dimensions: Object.fromEntries(set.map((key) => [key, String(event[key])])),
            at: new Date(event._aws.Timestamp).toISOString(),
            value,
          }));
        }),
      );
    });
  return { write: (line: string) => void lines.push(line), points };
}
