import { CreateButton, TopToolbar } from 'react-admin';

/** A list's toolbar for records that are created here but not exported or filtered by a button (tokens, endpoints). */
export function CreateOnlyActions() {
  return (
    <TopToolbar>
      <CreateButton />
    </TopToolbar>
  );
}
