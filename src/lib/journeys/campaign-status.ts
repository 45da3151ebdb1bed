export type CampaignStatus = "draft" | "scheduled" | "running" | "paused" | "completed" | "cancelled";
export type CampaignAction = "schedule" | "pause" | "resume" | "cancel";

/** Which statuses an action may start from (API.md: an invalid transition is a 409). */
const FROM: Record<CampaignAction, CampaignStatus[]> = {
  schedule: ["draft"],
  pause: ["scheduled", "running"],
  resume: ["paused"],
  cancel: ["draft", "scheduled", "running", "paused"],
};

export function campaignAllows(action: CampaignAction, status: CampaignStatus): boolean {
  return FROM[action].includes(status);
}

/**
 * The campaign is already where the action leads (pause a paused one, resume a running one): the
 * call is answered as a success and its sweep sent again.
 */
export function campaignAlreadyThere(action: CampaignAction, status: CampaignStatus): boolean {
  switch (action) {
    case "schedule":
      return false;
    case "pause":
      return status === "paused";
    case "resume":
      return status === "scheduled" || status === "running";
    case "cancel":
      return status === "cancelled";
  }
}

/** Where an action leads; resume goes back to running or scheduled depending on the clock. */
export function campaignStatusAfter(action: CampaignAction, startAt: number, now: number): CampaignStatus {
  switch (action) {
    case "schedule":
    case "resume":
      return now >= startAt ? "running" : "scheduled";
    case "pause":
      return "paused";
    case "cancel":
      return "cancelled";
  }
}
