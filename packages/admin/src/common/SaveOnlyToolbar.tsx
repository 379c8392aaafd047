import { SaveButton, Toolbar } from 'react-admin';

/** An edit form's toolbar without react-admin's Delete: products, customers and resellers are never deleted here. */
export const SaveOnlyToolbar = () => (
  <Toolbar>
    <SaveButton />
  </Toolbar>
);
