/** asl-validator ships no types. It mutates what it validates (adds QueryLanguage): pass it a copy. */
declare module 'asl-validator' {
  function aslValidator(definition: unknown, options?: Record<string, unknown>): { isValid: boolean; errors: unknown[]; errorsText(separator?: string): string };
  export = aslValidator;
}
