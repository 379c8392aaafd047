// Typename rewriting: every object in a REST answer names its type.
import { type DocumentNode, type FieldNode, Kind, visit } from 'graphql';

const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** Adds `__typename` first to every selection set, so each JSON object says its type (C# clients switch on it). */
export function withTypenames(document: DocumentNode): DocumentNode {
  return visit(document, {
    SelectionSet(node, _key, parent) {
      if (parent && 'kind' in parent && parent.kind === Kind.OPERATION_DEFINITION) return undefined;
      if (node.selections.some((s) => s.kind === Kind.FIELD && s.name.value === '__typename' && !s.alias)) return undefined;
      return { ...node, selections: [TYPENAME, ...node.selections] };
    },
  });
}
