import { describe, expect, it } from 'vitest';
import { strftime } from './strftime.js';

describe('strftime', () => {
  const date = new Date(2025, 0, 5, 17, 4, 9); // Sunday 5 January 2025, 17:04:09 local

  it.each([
    ['%Y-%m-%d %H:%M:%S', '2025-01-05 17:04:09'],
    ['%d %b %Y', '05 Jan 2025'],
    ['%A %B %e', 'Sunday January  5'],
    ['%a %y %j %w', 'Sun 25 005 0'],
    ['%I%p', '05PM'],
    ['100%% %Q', '100% %Q'],
  ])('%s → %s', (format, expected) => {
    expect(strftime(date, format)).toBe(expected);
  });

  it('prints 12 for midnight and noon on the 12-hour clock', () => {
    expect(strftime(new Date(2025, 0, 1, 0, 0), '%I %p')).toBe('12 AM');
    expect(strftime(new Date(2025, 0, 1, 12, 0), '%I %p')).toBe('12 PM');
  });

  it('counts the day of the year across a leap February', () => {
    expect(strftime(new Date(2024, 11, 31), '%j')).toBe('366');
  });
});
