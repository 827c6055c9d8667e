// The names the CIBA peer (bench/ciba-peer-server.ts) and its load generator (bench/suites/ciba-peer.ts) share:
// its one account, named by every request's login_hint, and its one client, the load generator.
export const CIBA_PEER_ACCOUNT = 'bench-user';
export const CIBA_PEER_CLIENT_ID = 'bench-requester';
/** The environment variable that hands the peer its client's secret (chosen by the load generator, per run). */
export const CIBA_PEER_SECRET_ENV = 'CIBA_PEER_CLIENT_SECRET';
