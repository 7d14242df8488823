#!/usr/bin/env bash
# A throwaway IMAP server for the tests (issue 23): Debian's dovecot with a config of its
# own in DIR (one mailbox, user "help", password "help-password", plain login on loopback,
# nothing else listens). Prints PORT=N, then runs until its standard input closes (the
# test that started it ended, however it ended) or it is sent TERM.
#   scripts/imap-server.sh DIR
set -euo pipefail
dir=${1:?usage: imap-server.sh DIR}
if ! command -v dovecot >/dev/null; then
  echo "installing dovecot-imapd (Debian package)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dovecot-imapd >/dev/null
fi
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Dovecot refuses to run its login and mail processes as root: as root they run as its
# own unprivileged users; otherwise as whoever runs this.
if [ "$(id -u)" = 0 ]; then
  internal=dovecot; login=dovenull; mail_user=nobody; mail_group=nogroup
  # Its unprivileged processes read the password file and write the mailbox.
  chmod 755 "$dir"
  chmod 777 "$dir/mail"
else
  internal=$(id -un); login=$(id -un); mail_user=$(id -un); mail_group=$(id -gn)
fi
cat > "$dir/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%n
first_valid_uid = 0
default_internal_user = $internal
default_internal_group = $internal
default_login_user = $login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$mail_user gid=$mail_group home=$dir/mail/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    port = $port
  }
}
service anvil {
  chroot =
}
CONF
echo "help:{PLAIN}help-password" > "$dir/passwd"
dovecot -F -c "$dir/dovecot.conf" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
trap 'exit 0' TERM INT
echo "PORT=$port"
cat >/dev/null
