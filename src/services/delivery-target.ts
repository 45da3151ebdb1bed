import type { DeliveryTarget } from "../lib/schedules/delivery";
import { systemStore } from "../workers/db/tenant-store";

/** The part of a tenant record that says where and how to deliver. */
export interface TenantDeliverySettings {
  webhookUrl: string;
  webhookSecret: string;
  settings: { webhookTimeoutMs?: number | null };
  updatedAt: number;
}

export function deliveryTargetOf(tenant: TenantDeliverySettings): DeliveryTarget {
  return {
    webhookUrl: tenant.webhookUrl,
    sealedSecret: tenant.webhookSecret,
    timeoutMs: tenant.settings.webhookTimeoutMs ?? null,
    version: tenant.updatedAt,
  };
}

/** The tenant's current target from D1; null when the tenant no longer exists. */
export async function loadDeliveryTarget(db: D1Database, tenantId: string): Promise<DeliveryTarget | null> {
  const tenant = await systemStore.findTenant(db, tenantId);
  return tenant ? deliveryTargetOf(tenant) : null;
}
