/**
 * Locally there is no X-Ray and tracing is off (test/setup-env.ts). aws-xray-sdk-core, loaded by the
 * Powertools Tracer, would otherwise start in automatic mode: a cls-hooked namespace whose async hook
 * tracks every promise, which cost the simulated runs a sixth of their time. AWS_XRAY_MANUAL_MODE
 * keeps it off; the Tracer must still work (disabled) in that mode.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { createClient } from '../../../handlers/shared/clients';
import { tracer } from '../../../handlers/shared/step-handler';

describe('X-Ray SDK in the local runs', () => {
  it('starts in manual mode: no cls-hooked namespace, no async hook', () => {
    expect(process.env.AWS_XRAY_MANUAL_MODE).toBe('true');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const xray = require('aws-xray-sdk-core') as { isAutomaticMode(): boolean };
    expect(xray.isAutomaticMode()).toBe(false);
    expect((process as { namespaces?: Record<string, unknown> }).namespaces?.AWSXRay).toBeUndefined();
  });

  it('leaves the Powertools Tracer usable with tracing disabled', () => {
    expect(tracer.isTracingEnabled()).toBe(false);
    expect(() => {
      // step-handler's client hook captures every client with the tracer.
      createClient(S3Client, { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' } }).destroy();
      tracer.putAnnotation('step', 'test');
      tracer.putMetadata('detail', { a: 1 });
      tracer.addErrorAsMetadata(new Error('x'));
      tracer.getSegment();
    }).not.toThrow();
  });
});
