/** The API token: read once from the first page URL's `?token=`, then kept for the tab in sessionStorage. */
const KEY = 'lanspread-token';

export function accessToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    sessionStorage.setItem(KEY, fromUrl);
    // Drop it from the address bar so it is not bookmarked or shared by accident.
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}
