/**
 * EventBridge event patterns as the User Guide documents them (local/sim/event-patterns.ts): which
 * events a pattern matches, and which patterns PutRule refuses. Examples follow the guide's pages on
 * event patterns, arrays, null values and the comparison operators.
 */
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from '../../../local/sim/event-patterns';

/** The guide's EC2 example event, with a few extra fields for the operators. */
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: {
    'instance-id': 'i-1234567890abcdef0',
    state: 'terminated',
    'c-count': 5,
    'd-count': 3.5,
    'x-limit': 301.8,
    FileName: 'photo.PNG',
    'source-ip': '10.0.0.123',
    'ipv6': '2001:db8::1',
    eventVersion: '',
    responseElements: null,
    isEnabled: false,
    nested: { a: { b: 'deep' } },
    tags: ['prod', 'blue'],
    items: [{ name: 'one', size: 1 }, { name: 'two', size: 2 }],
  },
};

const matches = (pattern: object, e: object = event) => matchesEventPattern(parseEventPattern(JSON.stringify(pattern)), e);

describe('event pattern matching', () => {
  it.each<[string, object, boolean]>([
    ['exact top-level and nested values (AND of fields)', { source: ['aws.ec2'], detail: { state: ['terminated'] } }, true],
    ['any value of the array (OR of values)', { detail: { state: ['running', 'terminated'] } }, true],
    ['a value that differs', { detail: { state: ['running'] } }, false],
    ['matching is case-sensitive', { source: ['AWS.EC2'] }, false],
    ['a field the event lacks', { detail: { missing: ['x'] } }, false],
    ['a nested object where the event has a string', { detail: { state: { x: ['y'] } } }, false],
    ['deeply nested objects', { detail: { nested: { a: { b: ['deep'] } } } }, true],
    ['a number, compared as a number', { detail: { 'c-count': [5] } }, true],
    ['a number does not match its string form', { detail: { 'c-count': ['5'] } }, false],
    ['false', { detail: { isEnabled: [false] } }, true],
    ['null matches null', { detail: { responseElements: [null] } }, true],
    ['the empty string does not match null', { detail: { responseElements: [''] } }, false],
    ['the empty string matches the empty string', { detail: { eventVersion: [''] } }, true],
    ['null does not match the empty string', { detail: { eventVersion: [null] } }, false],
    ['an event array matches when one element matches', { resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0', 'other'] }, true],
    ['an event array: intersection empty', { detail: { tags: ['dev'] } }, false],
    ['an array of objects: one element matches the nested pattern', { detail: { items: { name: ['two'], size: [2] } } }, true],
    ['an array of objects: fields from different elements do not combine', { detail: { items: { name: ['one'], size: [2] } } }, false],
    ['prefix', { time: [{ prefix: '2017-12-22' }] }, true],
    ['prefix that differs', { time: [{ prefix: '2018' }] }, false],
    ['prefix never matches a number', { detail: { 'c-count': [{ prefix: '5' }] } }, false],
    ['prefix ignoring case', { source: [{ prefix: { 'equals-ignore-case': 'AWS.' } }] }, true],
    ['suffix', { detail: { FileName: [{ suffix: '.PNG' }] } }, true],
    ['suffix is case-sensitive', { detail: { FileName: [{ suffix: '.png' }] } }, false],
    ['suffix ignoring case', { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, true],
    ['equals-ignore-case', { detail: { state: [{ 'equals-ignore-case': 'TERMINATED' }] } }, true],
    ['wildcard', { detail: { FileName: [{ wildcard: 'photo.*' }] } }, true],
    ['wildcard in the middle', { resources: [{ wildcard: 'arn:aws:ec2:*:instance/*' }] }, true],
    ['wildcard that does not match', { detail: { FileName: [{ wildcard: '*.jpg' }] } }, false],
    ['anything-but a string', { detail: { state: [{ 'anything-but': 'initializing' }] } }, true],
    ['anything-but the value itself', { detail: { state: [{ 'anything-but': 'terminated' }] } }, false],
    ['anything-but a list of strings', { detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, false],
    ['anything-but a number', { detail: { 'c-count': [{ 'anything-but': 5 }] } }, false],
    ['anything-but a list of numbers', { detail: { 'c-count': [{ 'anything-but': [1, 2] }] } }, true],
    ['anything-but a prefix', { region: [{ 'anything-but': { prefix: 'us-' } }] }, false],
    ['anything-but a suffix', { detail: { FileName: [{ 'anything-but': { suffix: '.jpg' } }] } }, true],
    ['anything-but ignoring case', { detail: { state: [{ 'anything-but': { 'equals-ignore-case': 'TERMINATED' } }] } }, false],
    ['anything-but a wildcard', { detail: { FileName: [{ 'anything-but': { wildcard: '*.PNG' } }] } }, false],
    ['anything-but a field the event lacks', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['anything-but over an array: one element not excluded', { detail: { tags: [{ 'anything-but': 'prod' }] } }, true],
    ['numeric equals', { detail: { 'c-count': [{ numeric: ['=', 5] }] } }, true],
    ['numeric range', { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }] } }, true],
    ['numeric range excluded', { detail: { 'x-limit': [{ numeric: ['>=', 0, '<', 300] }] } }, false],
    ['numeric never matches a string', { detail: { state: [{ numeric: ['>', 0] }] } }, false],
    ['exists true', { detail: { state: [{ exists: true }] } }, true],
    ['exists true on a null value', { detail: { responseElements: [{ exists: true }] } }, true],
    ['exists true on a missing field', { detail: { missing: [{ exists: true }] } }, false],
    ['exists false on a missing field', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false on a present field', { detail: { state: [{ exists: false }] } }, false],
    ['exists does not work on intermediate nodes', { detail: { nested: [{ exists: true }] } }, false],
    ['cidr IPv4', { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, true],
    ['cidr IPv4 outside', { detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, false],
    ['cidr IPv6', { detail: { ipv6: [{ cidr: '2001:db8::/32' }] } }, true],
    ['$or: one alternative matches', { source: ['aws.ec2'], $or: [{ detail: { state: ['running'] } }, { detail: { 'c-count': [5] } }] }, true],
    ['$or: no alternative matches', { $or: [{ detail: { state: ['running'] } }, { region: ['eu-west-1'] }] }, false],
  ])('%s', (_name, pattern, expected) => {
    // act / assert
    expect(matches(pattern)).toBe(expected);
  });

  it('matches the CloudTrail StopLogging rule a member account forwards with', () => {
    // prepare
    const pattern = { source: ['aws.cloudtrail'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging', 'DeleteTrail'] } };
    const stop = { ...event, source: 'aws.cloudtrail', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' } };

    // act / assert
    expect(matches(pattern, stop)).toBe(true);
    expect(matches(pattern, { ...stop, detail: { ...stop.detail, eventName: 'StartLogging' } })).toBe(false);
  });
});

describe('event pattern validation', () => {
  it.each<[string, string]>([
    ['text that is not JSON', '{"source": '],
    ['a JSON array', '["aws.ec2"]'],
    ['a leaf that is neither an object nor an array', '{"source": "aws.ec2"}'],
    ['an empty array', '{"source": []}'],
    ['an unknown operator', '{"source": [{"regex": "aws.*"}]}'],
    ['two operators in one object', '{"source": [{"prefix": "a", "suffix": "b"}]}'],
    ['exists that is not a boolean', '{"source": [{"exists": "yes"}]}'],
    ['numeric with an unknown comparison', '{"n": [{"numeric": ["!=", 1]}]}'],
    ['numeric range upside down', '{"n": [{"numeric": [">", 5, "<", 1]}]}'],
    ['numeric range in the wrong order', '{"n": [{"numeric": ["<", 5, ">", 1]}]}'],
    ['a number beyond 5.0e9', '{"n": [{"numeric": [">", 6000000000]}]}'],
    ['anything-but mixing strings and numbers', '{"s": [{"anything-but": ["a", 1]}]}'],
    ['anything-but with an empty prefix', '{"s": [{"anything-but": {"prefix": ""}}]}'],
    ['consecutive wildcards', '{"s": [{"wildcard": "a**b"}]}'],
    ['a CIDR without a prefix length', '{"ip": [{"cidr": "10.0.0.1"}]}'],
    ['$or with a single alternative', '{"$or": [{"a": ["b"]}]}'],
  ])('refuses %s', (_name, text) => {
    // act / assert
    expect(() => parseEventPattern(text)).toThrow(InvalidEventPatternError);
  });

  it('accepts every operator the guide lists', () => {
    // prepare
    const pattern = {
      a: ['x', 1, true, null, { prefix: 'p' }, { suffix: 's' }, { 'equals-ignore-case': 'e' }, { wildcard: 'w*' }],
      b: [{ 'anything-but': ['x', 'y'] }, { 'anything-but': { prefix: 'p' } }, { 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }],
      c: [{ numeric: ['>=', 0, '<', 10] }, { exists: false }, { cidr: '192.168.0.0/16' }],
      $or: [{ d: ['1'] }, { e: { f: ['2'] } }],
    };

    // act / assert
    expect(parseEventPattern(JSON.stringify(pattern))).toEqual(pattern);
  });
});
