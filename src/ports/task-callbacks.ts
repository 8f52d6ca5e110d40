/** Completes a `.waitForTaskToken` task: only the approval decision may call these. */
export interface TaskCallbacks {
  sendTaskSuccess(taskToken: string, output: Record<string, unknown>): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
}
