/** What a trail's read-back says beyond its settings: event selectors and delivery. */
import { deliveryVerdict, recordsAllManagementEvents } from '../../../handlers/domain/trail';

describe('recordsAllManagementEvents', () => {
  it.each([
    ['the default selector', [{ ReadWriteType: 'All', IncludeManagementEvents: true }], undefined, true],
    ['fields left out (CloudTrail defaults them)', [{}], undefined, true],
    ['write-only', [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }], undefined, false],
    ['read-only', [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }], undefined, false],
    ['no management events', [{ ReadWriteType: 'All', IncludeManagementEvents: false }], undefined, false],
    ['an excluded event source', [{ ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'] }], undefined, false],
    ['no selector at all', [], undefined, false],
    ['advanced: all management events', undefined, [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }], true],
    ['advanced: write-only management events', undefined, [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] }], false],
    ['advanced: data events only', undefined, [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }] }], false],
  ])('%s: %s', (_what, basic, advanced, expected) => {
    expect(recordsAllManagementEvents(basic, advanced)).toBe(expected);
  });
});

describe('deliveryVerdict', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3600_000);
  const trail = (delivery: object, extra: object = {}) => ({ isLogging: true, logFileValidationEnabled: true, delivery, ...extra });
  it.each([
    ['delivering, digest 30 minutes old', trail({ latestDigestDeliveryTime: hoursAgo(0.5) }), 'OK'],
    ['a log delivery error', trail({ latestDeliveryError: 'AccessDenied', latestDigestDeliveryTime: hoursAgo(0.5) }), 'DELIVERY_FAILING'],
    ['a digest delivery error', trail({ latestDigestDeliveryError: 'KMS.AccessDeniedException' }), 'DELIVERY_FAILING'],
    ['the last digest 3 hours old', trail({ latestDigestDeliveryTime: hoursAgo(3) }), 'DELIVERY_STALE'],
    ['3 hours old but validation off (no digests expected)', trail({ latestDigestDeliveryTime: hoursAgo(3) }, { logFileValidationEnabled: false }), 'OK'],
    ['not logging (drift, not a delivery problem)', trail({ latestDeliveryError: 'AccessDenied' }, { isLogging: false }), 'OK'],
    ['no trail', undefined, 'OK'],
  ])('%s: %s', (_what, observed, verdict) => {
    expect(deliveryVerdict(observed as never, now).verdict).toBe(verdict);
  });

  it('names what CloudTrail reported', () => {
    expect(deliveryVerdict(trail({ latestDeliveryError: 'AccessDenied' }) as never, now).detail).toBe('CloudTrail reports: log files AccessDenied');
  });
});
