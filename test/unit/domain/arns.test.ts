import { accountIdFromArn, bucketArn, logObjectPrefix, roleArn, trailArn } from '../../../handlers/domain/arns';

describe('ARN builders', () => {
  it.each([
    ['a trail ARN', () => trailArn('aws', 'eu-west-1', '444455556666', 'org-member-trail'), 'arn:aws:cloudtrail:eu-west-1:444455556666:trail/org-member-trail'],
    ['a trail ARN in another partition', () => trailArn('aws-cn', 'cn-north-1', '444455556666', 't'), 'arn:aws-cn:cloudtrail:cn-north-1:444455556666:trail/t'],
    ['a role ARN with the default path', () => roleArn('aws', '222233334444', 'CloudTrailLogReader-444455556666'), 'arn:aws:iam::222233334444:role/CloudTrailLogReader-444455556666'],
    ['a role ARN with a path', () => roleArn('aws', '222233334444', 'Reader', '/security/'), 'arn:aws:iam::222233334444:role/security/Reader'],
    ['a bucket ARN', () => bucketArn('aws', 'org-cloudtrail-logs-222233334444'), 'arn:aws:s3:::org-cloudtrail-logs-222233334444'],
    ['a GovCloud bucket ARN', () => bucketArn('aws-us-gov', 'b'), 'arn:aws-us-gov:s3:::b'],
  ])('builds %s', (_label, build, expected) => {
    // act / assert
    expect(build()).toBe(expected);
  });
});

describe('logObjectPrefix', () => {
  it.each([
    ['cloudtrail', 'cloudtrail/AWSLogs/444455556666/'],
    ['org/trails', 'org/trails/AWSLogs/444455556666/'],
    [undefined, 'AWSLogs/444455556666/'],
    ['', 'AWSLogs/444455556666/'],
  ])('puts prefix %p before AWSLogs/<account>/', (prefix, expected) => {
    // act / assert
    expect(logObjectPrefix(prefix, '444455556666')).toBe(expected);
  });
});

describe('accountIdFromArn', () => {
  it.each([
    ['arn:aws:cloudtrail:eu-west-1:444455556666:trail/org-member-trail', '444455556666'],
    ['arn:aws:cloudtrail:*:444455556666:trail/*', '444455556666'],
    ['arn:aws:iam::222233334444:role/path/Name', '222233334444'],
    ['arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab', '222233334444'],
    ['arn:aws:iam::aws:policy/SecurityAudit', undefined],
    ['arn:aws:s3:::bucket/AWSLogs/444455556666/*', undefined],
    ['arn:aws:cloudtrail:eu-west-1:44445555666:trail/t', undefined],
    ['arn:aws:cloudtrail:eu-west-1:*:trail/t', undefined],
    ['not an arn', undefined],
    ['arn:aws:iam', undefined],
    ['', undefined],
  ])('reads %p as account %p', (arn, expected) => {
    // act / assert
    expect(accountIdFromArn(arn)).toBe(expected);
  });
});
