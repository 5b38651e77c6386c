// The feed's wire types belong to `@mandate/verifier`, which every reader of the feed installs;
// the broker writes exactly that shape. What follows is the broker's own handling of feed ids.
export type { RevocationEntry, RevocationKind, RevocationPage } from '@mandate/verifier';

/** The cursor before every entry. */
export const FEED_START = '0-0';

const ID = /^(\d{1,16})-(\d{1,16})$/;

/** True for a stream id `<ms>-<seq>`. */
export function isFeedId(value: string): boolean {
  return ID.test(value);
}

/** Orders two stream ids: negative when `a` comes first. */
export function compareFeedIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am !== bm ? am - bm : as - bs;
}
