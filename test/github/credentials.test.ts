import { describe, expect, it } from 'vitest';
import { appCredentials, secretCredentials } from '../../lib/github/credentials.js';

const appKeys = { appID: '12345', installationID: '67890', privateKey: '-----BEGIN RSA PRIVATE KEY-----\n' };
const app = { appId: '12345', installationId: '67890', privateKey: appKeys.privateKey };

describe('appCredentials', () => {
  it('are recognised by the Secret keys Kelos documents; a GITHUB_TOKEN makes it a PAT Secret', () => {
    expect(appCredentials(appKeys)).toEqual(app);
    expect(appCredentials({ ...appKeys, GITHUB_TOKEN: 'ghp' })).toBeUndefined();
    // Values made with `kubectl create secret --from-file` end in a newline.
    expect(appCredentials({ ...appKeys, appID: '12345\n', installationID: ' 67890\n' })).toEqual(app);
    expect(appCredentials({ appID: '1' })).toBeUndefined();
    expect(appCredentials(undefined)).toBeUndefined();
  });
});

describe('secretCredentials', () => {
  it('prefers a trimmed GITHUB_TOKEN, then the App keys, else none', () => {
    expect(secretCredentials({ ...appKeys, GITHUB_TOKEN: 'ghp_x\n' })).toEqual({ token: 'ghp_x' });
    expect(secretCredentials(appKeys)).toEqual(app);
    expect(secretCredentials({ appID: '1', installationID: '2' })).toBeUndefined();
    expect(secretCredentials({})).toBeUndefined();
  });
});
