import { describe, expect, it } from 'vitest';
import { namesFor } from '../contracts/names.js';
import {
  DELAY_LEVELS,
  DELAY_UNIT_MS,
  MAX_DELAY_MS,
  delayDeliveryExchange,
  delayLevelName,
  delayQueueArguments,
  delayRoute,
  delayUnits,
} from './delay-infrastructure.js';

const names = namesFor('unitdelay');
const destination = names.jobsQueue;

/** AMQP topic matching: `*` is one word, `#` zero or more. */
function topicMatches(pattern: string, key: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}

/** The bindings assertDelayInfrastructure declares, rebuilt the same way, to follow a message through them. */
function simulate(exchange: string, routingKey: string): { waitedMs: number; queue: string } {
  const levelOf = (name: string) => Number(name.slice(-2));
  let waitedMs = 0;
  let current = exchange;
  for (let hops = 0; hops < 1000; hops++) {
    if (current === delayDeliveryExchange(names)) {
      const pattern = `${'*.'.repeat(DELAY_LEVELS)}${destination}`;
      if (!topicMatches(pattern, routingKey)) throw new Error('delivery exchange did not route');
      return { waitedMs, queue: destination };
    }
    const level = levelOf(current);
    const skip = '*.'.repeat(DELAY_LEVELS - 1 - level);
    if (topicMatches(`${skip}1.#`, routingKey)) {
      // Into the level's queue; it expires after its TTL into its dead-letter exchange.
      const args = delayQueueArguments(names, level);
      waitedMs += args['x-message-ttl'] as number;
      current = args['x-dead-letter-exchange'] as string;
    } else if (topicMatches(`${skip}0.#`, routingKey)) {
      current = level > 0 ? delayLevelName(names, level - 1) : delayDeliveryExchange(names);
    } else {
      throw new Error(`level ${level} did not route ${routingKey}`);
    }
  }
  throw new Error('routing loop');
}

describe('delayRoute', () => {
  it('rounds up to whole units, never down', () => {
    expect(delayUnits(0)).toBe(0);
    expect(delayUnits(-5)).toBe(0);
    expect(delayUnits(1)).toBe(1);
    expect(delayUnits(DELAY_UNIT_MS)).toBe(1);
    expect(delayUnits(DELAY_UNIT_MS + 1)).toBe(2);
    expect(delayRoute(names, 12_345, destination).delayMs).toBe(12_400);
  });

  it('reaches more than 366 days in one trip, and caps beyond its maximum', () => {
    expect(MAX_DELAY_MS).toBeGreaterThan(366 * 86_400_000);
    expect(delayRoute(names, MAX_DELAY_MS * 3, destination).delayMs).toBe(MAX_DELAY_MS);
  });

  it('starts at the level of the highest set bit', () => {
    expect(delayRoute(names, 0, destination).exchange).toBe(delayLevelName(names, 0));
    expect(delayRoute(names, 8 * DELAY_UNIT_MS, destination).exchange).toBe(delayLevelName(names, 3));
    expect(delayRoute(names, MAX_DELAY_MS, destination).exchange).toBe(delayLevelName(names, DELAY_LEVELS - 1));
  });

  it('spells the delay in binary, one word per level, then the destination', () => {
    const { routingKey } = delayRoute(names, 5 * DELAY_UNIT_MS, destination);
    const words = routingKey.split('.');
    expect(words.slice(0, DELAY_LEVELS).join('')).toBe('1'.concat('01').padStart(DELAY_LEVELS, '0'));
    expect(words.slice(DELAY_LEVELS).join('.')).toBe(destination);
  });

  it('routes through the levels so that the TTLs waited add up to the delay, and ends at the destination', () => {
    const delays = [0, 1, 99, 100, 250, 1_000, 12_345, 60_000, 86_400_000, 30 * 86_400_000, 366 * 86_400_000, MAX_DELAY_MS];
    for (let i = 0; i < 200; i++) delays.push(Math.floor(Math.random() * 366 * 86_400_000));
    for (const delayMs of delays) {
      const route = delayRoute(names, delayMs, destination);
      const result = simulate(route.exchange, route.routingKey);
      expect(result.queue).toBe(destination);
      expect(result.waitedMs).toBe(route.delayMs);
      expect(route.delayMs).toBeGreaterThanOrEqual(Math.min(delayMs, MAX_DELAY_MS));
      expect(route.delayMs - Math.max(0, delayMs)).toBeLessThan(DELAY_UNIT_MS);
    }
  });
});
