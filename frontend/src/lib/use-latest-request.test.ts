import { renderHook } from '@testing-library/react';
import { useLatestRequest } from './use-latest-request';

describe('useLatestRequest', () => {
  it('cancels a request when a newer one starts, or on forget()', () => {
    const { result } = renderHook(() => useLatestRequest());
    const first = result.current.start();
    expect(result.current.isCurrent(first)).toBe(true);

    const second = result.current.start();
    expect(first.aborted).toBe(true);
    expect(result.current.isCurrent(first)).toBe(false);
    expect(result.current.isCurrent(second)).toBe(true);

    result.current.forget();
    expect(result.current.isCurrent(second)).toBe(false);
  });

  it('revokes the kept photo URL on forget() and on unmount, and cancels the running request', () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL');
    const { result, unmount } = renderHook(() => useLatestRequest());
    const url = result.current.keepPhotoUrl(new File([], 'a.jpg', { type: 'image/jpeg' }));
    expect(url).toMatch(/^blob:/);
    result.current.forget();
    expect(revoke).toHaveBeenCalledWith(url);

    const other = result.current.keepPhotoUrl(new File([], 'b.jpg', { type: 'image/jpeg' }));
    const signal = result.current.start();
    unmount();
    expect(revoke).toHaveBeenLastCalledWith(other);
    expect(signal.aborted).toBe(true);
    revoke.mockRestore();
  });
});
