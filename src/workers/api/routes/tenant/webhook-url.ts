import { ApiError } from "../../../../lib/errors";
import { webhookUrlProblem } from "../../../../lib/net/webhook-url";
import type { Env } from "../../../env";

export function assertWebhookUrl(env: Env, url: string): void {
  const reason = webhookUrlProblem(url, env.ALLOW_PRIVATE_WEBHOOK_TARGETS === "true");
  if (reason) throw ApiError.validation("webhookUrl", reason);
}
