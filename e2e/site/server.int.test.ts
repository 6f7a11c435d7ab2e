import { confirmationNumber, DEFAULT_USERS, startTestSite, type TestSite } from './server.js';

/** A tiny cookie-keeping client, enough to walk the site without a browser. */
function client(site: TestSite) {
  let cookie = '';
  return async (path: string, form?: Record<string, string>) => {
    const res = await fetch(site.url + path, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };
}

describe('test site', () => {
  let site: TestSite;
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(() => site.stop());
  beforeEach(() => site.reset());

  it('listens on 127.0.0.1', () => {
    expect(new URL(site.url).hostname).toBe('127.0.0.1');
  });

  it('redirects to login without a session and rejects a wrong password', async () => {
    const get = client(site);
    expect(await get('/form/1')).toMatchObject({ status: 303, location: '/login?next=%2Fform%2F1' });
    const bad = await get('/login', { username: 'alice', password: 'nope' });
    expect(bad.status).toBe(401);
    expect(bad.text).toContain('Wrong username or password');
  });

  it('walks login and the three form pages to a deterministic confirmation number', async () => {
    const get = client(site);
    const [user, password] = Object.entries(DEFAULT_USERS)[0]!;
    expect(await get('/login', { username: user, password, next: '/home' })).toMatchObject({
      status: 303,
      location: '/home',
    });
    expect((await get('/home')).text).toContain(`Welcome, ${user}`);
    // Pages are filled in order: page 3 before page 1 sends the user back.
    expect(await get('/form/3')).toMatchObject({ status: 303, location: '/form/1' });
    expect(await get('/form/1', { fullName: 'Ada', email: 'ada@example.org', token: 't' })).toMatchObject({
      location: '/form/2',
    });
    expect((await get('/form/2')).text).toContain('step 2 of 3');
    expect(await get('/form/2', { plan: 'pro', terms: 'yes' })).toMatchObject({ location: '/form/3' });
    expect(await get('/form/3', { notes: 'hi' })).toMatchObject({ location: '/form/done' });
    const done = await get('/form/done');
    const expected = confirmationNumber(user, {
      fullName: 'Ada',
      email: 'ada@example.org',
      plan: 'pro',
      terms: true,
      notes: 'hi',
    });
    expect(done.text).toContain(expected);
    expect(site.hits()).toMatchObject({ 'POST /login': 1, 'POST /form/1': 1, 'POST /form/2': 1, 'POST /form/3': 1 });
  });

  it('fails a flaky page the given number of times, counted per key', async () => {
    const get = client(site);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get('/flaky?key=a&fails=2')).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(site.hits()['GET /flaky?key=a']).toBe(4);
    expect((await get('/fail')).status).toBe(500);
  });

  it('forgets sessions and counters on reset', async () => {
    const get = client(site);
    const [user, password] = Object.entries(DEFAULT_USERS)[0]!;
    await get('/login', { username: user, password });
    site.reset();
    expect(site.hits()).toEqual({});
    expect((await get('/home')).status).toBe(303);
  });
});
