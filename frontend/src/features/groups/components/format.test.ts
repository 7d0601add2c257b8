import { adaGroup, otherGroup, strangerGroup } from '@/testing/fixtures';
import { faceWhere, groupLabel } from './format';
import { mergeTarget } from './Suggestions';

describe('mergeTarget', () => {
  it('keeps the named group of a pair, whichever side it is on', () => {
    expect(mergeTarget({ a: strangerGroup, b: adaGroup })).toEqual({ into: adaGroup, from: strangerGroup });
    expect(mergeTarget({ a: adaGroup, b: strangerGroup })).toEqual({ into: adaGroup, from: strangerGroup });
  });

  it('keeps the bigger of two unnamed groups', () => {
    expect(mergeTarget({ a: otherGroup, b: strangerGroup })).toEqual({ into: strangerGroup, from: otherGroup });
    expect(mergeTarget({ a: strangerGroup, b: otherGroup })).toEqual({ into: strangerGroup, from: otherGroup });
  });
});

describe('format', () => {
  it('tells groups apart by name and size', () => {
    expect(groupLabel(strangerGroup)).toBe('Unnamed, 3 faces');
    expect(groupLabel({ name: 'Ada Lovelace', faces: 1 })).toBe('Ada Lovelace, 1 face');
  });

  it("says where a face's photo is from the library root", () => {
    expect(faceWhere({ folder: 'samples', path: '2024/party.jpg' })).toBe('samples/2024/party.jpg');
    expect(faceWhere({ folder: '.', path: 'party.jpg' })).toBe('party.jpg');
  });
});
