export default async function globalTeardown() {
  const { stopServices } = await import('./services.ts');
  await stopServices();
}
