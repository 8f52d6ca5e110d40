/**
 * What a contract suite runs against: one adapter of a port, with whatever the suite needs to look
 * behind it, and a way to throw it away. `makeSubject` builds a fresh one for every test.
 */
export type Subject<T> = T & { dispose(): void | Promise<void> };
export type MakeSubject<T> = () => Subject<T> | Promise<Subject<T>>;

/** A fresh subject per test, disposed after it: `const subject = useSubject(makeSubject)`, then `subject()`. */
export function useSubject<T>(makeSubject: MakeSubject<T>): () => Subject<T> {
  let current: Subject<T> | undefined;
  beforeEach(async () => {
    current = await makeSubject();
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('the subject exists only inside a test');
    return current;
  };
}
