/** The inbox's addresses (hash routes, like the rest of the designer). */

/** `#/tasks/<id>`: one task. */
export function taskHref(taskId: string): string {
  return `#/tasks/${encodeURIComponent(taskId)}`;
}

/** The task id of a `#/tasks/<id>` hash, else null. */
export function taskIdOf(hash: string): string | null {
  const match = /^#\/tasks\/([^/?#]+)/.exec(hash);
  return match?.[1] ? decodeURIComponent(match[1]) : null;
}
