/** The EndpointForecaster port's contract: a stage's forecast per instance, or undefined when nothing serves. */
import type { DeepArLine } from '../../src/core/deepar-channels';
import type { EndpointForecaster, InferenceConfiguration } from '../../src/ports/endpoint-forecaster';
import { naiveForecast } from './fakes/naive-model';
import { useSubject, type MakeSubject } from './subject';

export interface EndpointForecasterSubject {
  forecaster: EndpointForecaster;
  /** An endpoint in service, serving the naive model (fakes/naive-model.ts). */
  deployedEndpoint: string;
}

const CONFIGURATION: InferenceConfiguration = { num_samples: 20, output_types: ['mean', 'quantiles'], quantiles: ['0.1', '0.5', '0.9'] };
const instances: DeepArLine[] = [
  { start: '2025-05-01 00:00:00', target: [20, 21, 22.5] },
  { start: '2025-05-01 00:00:00', target: [30, 'NaN', 31, 'NaN'] },
];

export function describeEndpointForecasterContract(name: string, makeSubject: MakeSubject<EndpointForecasterSubject>): void {
  describe(`Contract: EndpointForecaster — ${name}`, () => {
    const subject = useSubject(makeSubject);

    it("answers the endpoint's forecast for each instance, in order, with the quantiles asked for", async () => {
      const { forecaster, deployedEndpoint } = subject();

      const forecasts = await forecaster.forecast(deployedEndpoint, instances, CONFIGURATION);

      expect(forecasts).toEqual(instances.map((i) => naiveForecast(i, CONFIGURATION)));
      expect(Object.keys(forecasts![0].quantiles)).toEqual(['0.1', '0.5', '0.9']);
    });

    it('answers undefined when no endpoint of that name exists', async () => {
      const { forecaster } = subject();
      await expect(forecaster.forecast('btc-fee-nowhere', instances, CONFIGURATION)).resolves.toBeUndefined();
    });
  });
}
