/**
 * The REST API: IAM authorization on every method, validated requests, access and execution logs
 * (with the account's API Gateway CloudWatch role), tracing, throttling, and a Lambda proxy
 * integration with the Api function.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { API_HTTP_TIMEOUTS, DEADLINE_MARGIN_MS } from '../../handlers/api/deadline';
import { SDK_MAX_ATTEMPTS } from '../../handlers/shared/clients';
import { flatten, onlyResource, resourcesOf, SAMPLE, synth } from './helpers';

/**
 * API Gateway's REST integration timeout (the default, and the most a Lambda integration may have
 * without a quota increase), and the limit of Lambda's Init phase (a cold start before the invocation).
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html
 */
const INTEGRATION_TIMEOUT_MS = 29_000;
const INIT_LIMIT_MS = 10_000;

let t: Template;
beforeAll(() => {
  t = synth(SAMPLE).templates.orchestrator!;
});

/** Path of an API Gateway resource, from its logical id, by following ParentId up to the root. */
function pathOf(resourceId: unknown): string {
  const resources = resourcesOf(t, 'AWS::ApiGateway::Resource');
  const ref = (resourceId as { Ref?: string }).Ref;
  if (!ref || !resources[ref]) return '';
  const r = resources[ref].Properties!;
  return `${pathOf(r.ParentId)}/${r.PathPart as string}`;
}

function methods(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.values(resourcesOf(t, 'AWS::ApiGateway::Method')).map((m) => [`${m.Properties!.HttpMethod as string} ${pathOf(m.Properties!.ResourceId)}`, m.Properties!]),
  );
}

describe('the onboarding REST API', () => {
  it('has exactly the five methods, each with AWS_IAM authorization and a Lambda proxy integration with the Api function', () => {
    const m = methods();
    expect(Object.keys(m).sort()).toEqual(['DELETE /accounts/{accountId}', 'GET /accounts/{accountId}', 'POST /accounts', 'POST /accounts/{accountId}/retry', 'POST /fleet/onboard']);
    for (const [name, props] of Object.entries(m)) {
      expect({ name, auth: props.AuthorizationType }).toEqual({ name, auth: 'AWS_IAM' });
      const integration = props.Integration as { Type: string; Uri: unknown };
      expect(integration.Type).toBe('AWS_PROXY');
      expect(flatten(integration.Uri)).toMatch(/functions\/<ApiF[0-9A-F]{7}\.Arn>\/invocations$/);
    }
  });

  it('validates the POST /accounts body against {accountId: 12 digits}, nothing else allowed', () => {
    const post = methods()['POST /accounts'];
    const [modelId, model] = onlyResource(t, 'AWS::ApiGateway::Model');
    expect(post.RequestModels).toEqual({ 'application/json': { Ref: modelId } });
    expect(model.Properties!.Schema).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      title: 'AccountRequest',
      type: 'object',
      required: ['accountId'],
      additionalProperties: false,
      properties: { accountId: { type: 'string', pattern: '^\\d{12}$' } },
    });
    const validator = resourcesOf(t, 'AWS::ApiGateway::RequestValidator')[(post.RequestValidatorId as { Ref: string }).Ref].Properties!;
    expect(validator).toMatchObject({ ValidateRequestBody: true, ValidateRequestParameters: true });
    const schema = new RegExp((model.Properties!.Schema as { properties: { accountId: { pattern: string } } }).properties.accountId.pattern);
    expect(['444455556666', '44445555666', '4444555566667', 'abcdefghijkl'].map((v) => schema.test(v))).toEqual([true, false, false, false]);
  });

  it('requires the accountId path parameter on the account methods (its 12-digit form is checked by the handler)', () => {
    const validators = resourcesOf(t, 'AWS::ApiGateway::RequestValidator');
    for (const name of ['GET /accounts/{accountId}', 'POST /accounts/{accountId}/retry']) {
      const m = methods()[name];
      expect(m.RequestParameters).toEqual({ 'method.request.path.accountId': true });
      expect(validators[(m.RequestValidatorId as { Ref: string }).Ref].Properties).toMatchObject({ ValidateRequestParameters: true });
    }
  });

  it('DELETE /accounts/{accountId} requires the path parameter and takes an optional ?reason= (no body model)', () => {
    const m = methods()['DELETE /accounts/{accountId}'];
    expect(m.RequestParameters).toEqual({ 'method.request.path.accountId': true, 'method.request.querystring.reason': false });
    expect(m.RequestModels).toBeUndefined();
    expect(resourcesOf(t, 'AWS::ApiGateway::RequestValidator')[(m.RequestValidatorId as { Ref: string }).Ref].Properties).toMatchObject({ ValidateRequestParameters: true });
  });

  it('logs every request (JSON access log), logs failed executions without data, traces with X-Ray and throttles the stage', () => {
    const [, stage] = onlyResource(t, 'AWS::ApiGateway::Stage');
    const p = stage.Properties!;
    expect(flatten((p.AccessLogSetting as { DestinationArn: unknown }).DestinationArn)).toMatch(/^<ApiAccessLogs[0-9A-F]{8}\.Arn>$/);
    expect(JSON.parse((p.AccessLogSetting as { Format: string }).Format)).toMatchObject({ requestId: '$context.requestId', caller: '$context.identity.caller', status: '$context.status' });
    expect(p.TracingEnabled).toBe(true);
    expect(p.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 10,
        ThrottlingBurstLimit: 20,
        MetricsEnabled: true,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      },
    ]);
  });

  it("sets the account's API Gateway CloudWatch role before the stage, and keeps role and setting when the stack is deleted", () => {
    const [accountId, account] = onlyResource(t, 'AWS::ApiGateway::Account');
    const roleId = (account.Properties!.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = resourcesOf(t, 'AWS::IAM::Role')[roleId] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
    expect(account).toMatchObject({ DeletionPolicy: 'Retain' });
    expect(role.DeletionPolicy).toBe('Retain');
    expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'apigateway.amazonaws.com' } }],
    });
    expect(flatten(role.Properties.ManagedPolicyArns)).toEqual(['arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs']);
    const [, stage] = onlyResource(t, 'AWS::ApiGateway::Stage') as [string, { DependsOn?: string[] }];
    expect(stage.DependsOn).toEqual(expect.arrayContaining([accountId]));
  });

  it('creates the execution log group API Gateway writes to, encrypted and expiring, before the stage', () => {
    const [logsId, logGroup] = onlyResource(t, 'AWS::Logs::LogGroup', { LogGroupName: { 'Fn::Join': Match.anyValue() } });
    expect(flatten(logGroup.Properties!.LogGroupName)).toMatch(/^API-Gateway-Execution-Logs_<RestApi[0-9A-F]{8}>\/v1$/);
    expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] } });
    const [, stage] = onlyResource(t, 'AWS::ApiGateway::Stage') as [string, { DependsOn?: string[] }];
    expect(stage.DependsOn).toEqual(expect.arrayContaining([logsId]));
  });

  it("answers before API Gateway's 29 s integration timeout, a cold start included: the Api function times out first, and the handler answers before that", () => {
    const [, fn] = onlyResource(t, 'AWS::Lambda::Function', { Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiRole'), 'Arn'] } });
    const timeoutMs = (fn.Properties!.Timeout as number) * 1000;
    expect(INIT_LIMIT_MS + timeoutMs).toBeLessThan(INTEGRATION_TIMEOUT_MS);
    for (const [name, props] of Object.entries(methods())) {
      const integration = props.Integration as { TimeoutInMillis?: number };
      expect({ name, timeout: integration.TimeoutInMillis ?? INTEGRATION_TIMEOUT_MS }).toEqual({ name, timeout: INTEGRATION_TIMEOUT_MS });
    }
    // The handler's own deadline leaves room for every attempt of one stalled SDK call (timed out, retried once).
    const deadline = timeoutMs - DEADLINE_MARGIN_MS;
    expect(SDK_MAX_ATTEMPTS * (API_HTTP_TIMEOUTS.connectionTimeout + API_HTTP_TIMEOUTS.requestTimeout)).toBeLessThan(deadline);
  });

  it('lets API Gateway invoke the Api function for these methods only (no test-invoke permission)', () => {
    const perms = Object.values(resourcesOf(t, 'AWS::Lambda::Permission')).filter((p) => p.Properties!.Principal === 'apigateway.amazonaws.com');
    expect(perms.map((p) => (flatten(p.Properties!.SourceArn) as string).replace(/^arn:aws:execute-api:eu-west-1:111122223333:<RestApi[0-9A-F]{8}>\/<RestApiDeploymentStagev1[0-9A-F]{8}>\//, '')).sort()).toEqual([
      'DELETE/accounts/*',
      'GET/accounts/*',
      'POST/accounts',
      'POST/accounts/*/retry',
      'POST/fleet/onboard',
    ]);
  });
});
