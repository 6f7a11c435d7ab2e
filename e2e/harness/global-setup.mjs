// Jest loads global setup outside its ESM test runtime; tsx lets it import the TypeScript harness.
import { register } from 'tsx/esm/api';

register();
export default async function globalSetup() {
  const { startServices } = await import('./services.ts');
  await startServices();
}
