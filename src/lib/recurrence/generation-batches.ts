/** A Cron Trigger sweep's unit of work: some of one tenant's patterns, generated up to `until`. */
export interface GenerationMessage {
  kind: "generate-patterns";
  tenantId: string;
  patternIds: string[];
  until: number;
}

export interface ClaimedPattern {
  id: string;
  tenantId: string;
  /** How many users the pattern targets: its share of one message's object calls. */
  users: number;
}

/**
 * Pack claimed patterns into messages: one tenant per message, at most `maxPatterns` patterns and
 * `maxUsers` target users, so that a consumer invocation stays well inside its subrequest limits.
 * Order is kept (the sweep sorts by tenant and target, so one message touches few objects).
 */
export function packGenerationMessages(
  patterns: ClaimedPattern[],
  until: number,
  limits = { maxPatterns: 50, maxUsers: 200 },
): GenerationMessage[] {
  const messages: GenerationMessage[] = [];
  let current: GenerationMessage | null = null;
  let users = 0;
  for (const p of patterns) {
    if (
      !current ||
      current.tenantId !== p.tenantId ||
      current.patternIds.length >= limits.maxPatterns ||
      users + p.users > limits.maxUsers
    ) {
      current = { kind: "generate-patterns", tenantId: p.tenantId, patternIds: [], until };
      messages.push(current);
      users = 0;
    }
    current.patternIds.push(p.id);
    users += p.users;
  }
  return messages;
}
