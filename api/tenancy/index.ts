export { DEFAULT_ROLE_PREFIX, ROLE_PREFIX, tenantNames, type TenantNames } from './names.js';
export { passwordDigest, scramVerifier } from './scram.js';
export { ensureTenantRole, grantTenantAccess, tenantDbosSchema, tenantDbosSchemas, TenantRoleConflictError, type EnsuredTenantRole } from './sql.js';
export { provisionTenant, tenantUrl, type ProvisionedTenant } from './provision.js';
