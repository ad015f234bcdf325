/** The page shown (library, party board, peers, share, settings, log), kept in the URL hash so a reload stays on it. */
import { useEffect, useState } from 'react';

export const VIEWS = ['library', 'party', 'peers', 'share', 'settings', 'log'] as const;
export type View = (typeof VIEWS)[number];

function viewOfHash(): View {
  const name = window.location.hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'library';
}

export function useHashView(): View {
  const [view, setView] = useState(viewOfHash);
  useEffect(() => {
    const onChange = (): void => {
      setView(viewOfHash());
    };
    window.addEventListener('hashchange', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
    };
  }, []);
  return view;
}
