/** Rows for deployment tools: SSH, WinRM, Ansible, systemd, web servers, keystores, IIS, CA REST APIs. */
import type { LogRule } from '../log-rules.js';

/** Deployment tools: SSH, WinRM, Ansible, systemd, web servers, keystores, IIS, CA REST APIs. */
export const DEPLOY: LogRule[] = [
  {
    id: 'ssh.auth',
    code: 'log.auth_failure',
    pattern:
      /Permission denied \((?:publickey|password|keyboard-interactive|gssapi)|Host key verification failed|Authentication failed|Too many authentication failures|no matching host key type|Invalid (?:user|credentials)/i,
    explanation: 'The SSH login of the deployment was rejected (key, password or host key).',
    fixes: [
      "Check the deployment's SSH user and key on the target (`ssh -v user@host`), and the known host key if the server was rebuilt.",
    ],
  },
  {
    id: 'winrm.auth',
    code: 'log.auth_failure',
    pattern:
      /InvalidCredentialsError|credentials were rejected|Access is denied\.|Logon failure|The user name or password is incorrect|Kerberos.{0,80}(?:failed|error)|WinRM.{0,80}(?:unauthorized|authentication)/i,
    explanation: 'The WinRM login was rejected: wrong or expired credentials, or the account lacks the right.',
    fixes: [
      'Check the service account password/expiry and that it is in the Remote Management Users (or Administrators) group on the target.',
    ],
  },
  {
    id: 'api.token',
    code: 'log.auth_failure',
    pattern:
      /(?:token|api key|api_key|apikey|credentials|password) (?:has expired|is expired|expired|has been revoked|revoked|is invalid)|(?:invalid_api_key|invalid api key|invalid_token|invalid token|invalid_grant|invalid_client)|ExpiredToken|InvalidClientTokenId|SignatureDoesNotMatch|AccessDenied|is not authorized to perform|403 Forbidden.{0,80}api|Invalid request headers \(6003\)|authentication (?:error|failure)|(?:HTTP 401|HTTP\/1\.1 401|HTTP\/2 401|401 Unauthorized|status code: 401|status code 401|status: 401|status=401)\b|"status"\s*:\s*401\b/i,
    explanation: 'An API credential (CA, DNS provider, cloud) was refused: expired, revoked or lacking permission.',
    fixes: [
      'Rotate the credential named in the line and update it where the bot reads it; check its permissions (e.g. DNS zone edit).',
    ],
  },
  {
    id: 'file.write',
    code: 'log.keystore_write_failure',
    pattern:
      /No space left on device|ENOSPC|Disk quota exceeded|Read-only file system|EROFS|\[Errno 13\] Permission denied|open \S+: permission denied|EACCES|(?:cannot|could not|unable to|failed to) (?:write|create|open|save|copy|move)\b.{0,120}(?:permission|denied|no such file|exist)|scp: \S+: (?:Permission denied|No such file)|Access to the path .{1,200} is denied|mkdir \S+: permission denied/i,
    explanation: 'Writing the certificate or key file failed: path missing, no permission, read-only or full disk.',
    fixes: [
      'Check the directory exists and is writable by the deployment user, and that the disk has space (`df -h`).',
    ],
  },
  {
    id: 'keystore.password',
    code: 'log.keystore_write_failure',
    pattern:
      /Keystore was tampered with, or password was incorrect|keystore password was incorrect|Get Key failed|The specified network password is not correct|mac verify failure|bad decrypt|Invalid keystore format|Unrecognized keystore format|keytool error|alias_no_key_entry|Failed to establish chain from reply|Input not an X\.509 certificate|PKCS12 key store mac invalid/i,
    explanation:
      'The keystore (JKS/PKCS#12/PFX) could not be opened or updated: wrong password, wrong format, or a broken chain/alias.',
    fixes: [
      'Check the keystore password and type (JKS vs PKCS12) in the deployment configuration; import the full chain under the alias the server uses.',
    ],
  },
  {
    id: 'server.cert_load',
    code: 'log.keystore_write_failure',
    pattern:
      /cannot load certificate(?: key)?|SSL_CTX_use_(?:PrivateKey|certificate)|key values mismatch|SSLCertificate(?:Key)?File: file .{1,200} does not exist or is empty|unable to load SSL (?:certificate|private key)|Private key does not match/i,
    explanation:
      'The web server cannot load the certificate or key at its configured path: the deployment wrote it elsewhere, wrote a mismatched key, or an empty file.',
    fixes: [
      'Compare the paths the deployment writes with the ones in the server configuration; check the key matches the certificate.',
    ],
  },
  {
    id: 'iis.binding',
    code: 'log.restart_failure',
    pattern:
      /SSL Certificate add failed, Error: \d+|A specified logon session does not exist|New-WebBinding|Set-WebBinding|Cannot create a file when that file already exists|netsh http (?:add|update) sslcert.{0,80}(?:failed|error)/i,
    explanation:
      'IIS: updating the HTTPS binding failed (binding conflict, or the private key is not accessible to the system).',
    fixes: [
      'Import the PFX into LocalMachine\\My with the private key marked exportable/accessible, remove the stale binding, then bind again.',
    ],
  },
  {
    id: 'server.config_test',
    code: 'log.restart_failure',
    pattern:
      /\[emerg\]|nginx: configuration file .{1,200} test failed|AH\d{5}: Syntax error|Action '(?:configtest|graceful|restart)' failed|Fatal errors found in configuration|Configuration file is not valid|The Apache error log may have more information|\[ALERT\].{0,200}(?:Proxy|config|parsing)/i,
    explanation:
      "The web server's configuration test failed, so the reload was refused (or would take the server down).",
    fixes: [
      'Run the config test by hand (`nginx -t`, `apachectl configtest`, `haproxy -c -f <cfg>`) and fix the line it names before reloading.',
    ],
  },
  {
    id: 'service.restart',
    code: 'log.restart_failure',
    pattern:
      /Job for \S+\.service failed|Failed to (?:restart|reload|start) \S+|Unable to (?:restart|reload|start) service|Interactive authentication required|sudo: (?:a password is required|a terminal is required)|is not in the sudoers file|Reload error for|reload (?:failed|error)|restart (?:failed|error)|iisreset.{0,80}(?:failed|denied)|Restart-WebAppPool|Stop-WebSite|service .{1,80} (?:failed to|could not) (?:restart|start|stop)/i,
    explanation: 'Reloading or restarting the service failed, or the bot is not allowed to do it.',
    fixes: [
      'Run the reload by hand as the deployment user; grant it the permission (e.g. a sudoers rule for `systemctl reload nginx`) if that is what failed.',
    ],
  },
  {
    id: 'tomcat.connector',
    code: 'log.restart_failure',
    pattern:
      /Failed to initialize (?:component \[Connector|connector|end ?point)|Protocol handler (?:initialization|start) failed/i,
    explanation: 'Tomcat could not start its HTTPS connector (the cause, often the keystore, follows in the log).',
    confidence: 'low',
  },
  {
    id: 'ansible.unreachable',
    code: 'log.network_timeout',
    pattern:
      /UNREACHABLE!|Failed to connect to the host via ssh|ssh: connect to host \S+ port \d+:|Could not resolve hostname|WinRM cannot complete the operation|Connecting to remote server \S+ failed|No connection could be made because the target machine actively refused it|dial tcp \S+: (?:i\/o timeout|connect: connection refused)|Name or service not known|Temporary failure in name resolution|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|No route to host|Network is unreachable/i,
    explanation:
      'The bot could not reach the target server (connection refused, timed out, or the name did not resolve).',
    fixes: [
      'Test from the bot host: `nc -vz <host> <port>` (22 SSH, 5985/5986 WinRM); check firewalls and DNS for the host in the line.',
    ],
  },
  {
    id: 'api.server_error',
    code: 'log.connector_error',
    pattern:
      /(?:HTTP 50|HTTP\/1\.1 50|HTTP\/2 50)[0234]\b|\b(?:500 Internal Server Error|502 Bad Gateway|503 Service Unavailable|504 Gateway Timeout)\b|(?:status code: |status code |status: |status=)5\d\d\b|"status"\s*:\s*5\d\d/i,
    explanation: 'The CA API (or a proxy in front of it) answered with a server error.',
    fixes: ["Check the CA's status page; retry later with backoff."],
  },
  {
    id: 'api.client_error',
    code: 'log.connector_error',
    pattern:
      /(?:HTTP 40|HTTP\/1\.1 40|HTTP\/2 40)[049]\b|(?:HTTP 422|HTTP\/1\.1 422|HTTP\/2 422)\b|"status"\s*:\s*(?:400|404|409|422)\b|order (?:not found|was cancel(?:l)?ed|is in "?(?:errored|invalid)"? state)|(?:product code|product type) (?:is )?(?:invalid|not found)|profile .{1,80} not (?:found|mapped)/i,
    explanation: 'The CA API refused the request as malformed or unknown (order, product or profile).',
    fixes: ["Check the connector's product/profile mapping and the order id in the line."],
    confidence: 'medium',
  },
];
