import { deniedProps, PermissionNote } from '../auth/permission-note';
import { useCan } from '../auth/session';

/** The one note of a flags page that every switch, rollout %, kill and restore button it disables points to. */
export const FLAG_NOTE_ID = 'flags-permission';

/** "Changing flags needs operator role (you are viewer)." — nothing when the role may change flags. */
export function FlagPermissionNote() {
  return <PermissionNote id={FLAG_NOTE_ID} verdict={useCan('flag.change')} what="Changing flags" />;
}

/** The disabled state, tooltip and description of a flag-changing button the role may not use. */
export function useFlagChangeDenied(): ReturnType<typeof deniedProps> {
  return deniedProps(useCan('flag.change'), FLAG_NOTE_ID);
}
