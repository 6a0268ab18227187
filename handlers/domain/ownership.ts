/**
 * How the service recognises the roles and trails it owns: the `managed-by` tag
 * (handlers/shared/config.ts OWNERSHIP). Anything without it is someone else's and is never changed.
 */
import { OWNERSHIP } from '../shared/config';

/** An IAM or CloudTrail tag. */
export interface Tag {
  Key: string;
  Value: string;
}

/** The tag put on every role and trail the service creates. */
export const OWNERSHIP_TAG: Readonly<Tag> = { Key: OWNERSHIP.tagKey, Value: OWNERSHIP.tagValue };

/** True when the tags carry the ownership marker (`managed-by = cloudtrail-onboarding`). */
export function isOwnedByService(tags: readonly Tag[] | undefined): boolean {
  return (tags ?? []).some((t) => t.Key === OWNERSHIP.tagKey && t.Value === OWNERSHIP.tagValue);
}

/** The desired tags that are missing from `observed` or carry another value there. Extra tags others added are not counted. */
export function missingTags(observed: readonly Tag[], desired: readonly Tag[]): Tag[] {
  return desired.filter((t) => !observed.some((o) => o.Key === t.Key && o.Value === t.Value));
}
