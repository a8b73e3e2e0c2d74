import { useState } from 'preact/hooks';

const KEY = 'sluice.actor';
const DEFAULT_ACTOR = 'web';

/** Printable ASCII, at most 100 characters: what the server keeps of `x-sluice-actor`. */
export function cleanActor(raw: string): string {
  return raw.replace(/[^\x20-\x7e]/g, '').trim().slice(0, 100);
}

function stored(): string {
  try {
    return cleanActor(localStorage.getItem(KEY) ?? '') || DEFAULT_ACTOR;
  } catch {
    return DEFAULT_ACTOR;
  }
}

/** Who the history records for this browser's changes: a name kept in localStorage ("web" until set). */
export function useActor(): readonly [string, (name: string) => void] {
  const [actor, setActor] = useState(stored);
  const update = (name: string) => {
    const clean = cleanActor(name);
    setActor(clean || DEFAULT_ACTOR);
    try {
      if (clean === '') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, clean);
    } catch {
      // Private mode without storage: the name lasts until the page is closed.
    }
  };
  return [actor, update] as const;
}
