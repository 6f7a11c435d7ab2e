// The egress guard inside the browser: every request of a job's context (pages, frames, popups,
// subresources) is routed through the guard. Playwright's routing does not see redirects of a request
// it let through, so a navigation is fetched here without following redirects and handed to the page:
// the page then follows a redirect as a new request, which is routed (and checked) again.
// Service workers are blocked at context creation (BrowserHost), since routing does not see their
// requests; WebSockets are checked by routeWebSocket.
import type { BrowserContext, Request, Route } from 'playwright-core';
import { EgressRefusedError, type EgressGuard } from './guard.js';

export interface ContextGuardOptions {
  /** Told about each refusal of a page request (the step that runs decides what it means). */
  onRefused?: (err: EgressRefusedError) => void;
}

export async function guardContext(context: BrowserContext, guard: EgressGuard, opts: ContextGuardOptions = {}): Promise<void> {
  const refused = (err: unknown): err is EgressRefusedError => {
    if (!(err instanceof EgressRefusedError)) return false;
    opts.onRefused?.(err);
    return true;
  };
  // A page or context that closes while a request is routed makes these calls throw: nothing to do then.
  const ignoreClosed = () => undefined;
  await context.route('**/*', async (route: Route, request: Request) => {
    // An unexpected error must not leave the request hanging: it fails like a network error.
    await checkRoute(route, request).catch(() => route.abort('failed').catch(ignoreClosed));
  });
  const checkRoute = async (route: Route, request: Request): Promise<void> => {
    const navigation = request.isNavigationRequest();
    try {
      await guard.check(request.url(), navigation ? 'navigation' : 'subresource');
    } catch (err) {
      if (refused(err)) return route.abort('blockedbyclient');
      throw err;
    }
    if (!navigation || !/^https?:/i.test(request.url())) return route.continue();
    let response;
    try {
      response = await route.fetch({ maxRedirects: 0 });
    } catch {
      // The page sees the network error it would have seen (DNS, refused, reset...).
      return route.abort('failed');
    }
    const location = response.headers()['location'];
    if (response.status() >= 300 && response.status() < 400 && location !== undefined) {
      try {
        await guard.check(new URL(location, request.url()).href, 'navigation');
      } catch (err) {
        if (refused(err)) return route.abort('blockedbyclient');
        throw err;
      }
    }
    return route.fulfill({ response });
  };
  await context.routeWebSocket(
    () => true,
    async (ws) => {
      try {
        await guard.check(ws.url(), 'subresource');
      } catch (err) {
        if (refused(err)) return ws.close({ code: 1008, reason: 'egress refused' }).catch(ignoreClosed);
        throw err;
      }
      ws.connectToServer();
    },
  );
}
