/** class-transformer `@Transform` that trims a string and leaves anything else for validation to refuse. */
export const trimString = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;
