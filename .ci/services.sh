#!/usr/bin/env bash
# Make sure the database servers and the broker the tests use are up on
# loopback; start any that is down (with this machine kind's own commands).
set -u

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # name port
  for _ in $(seq 1 60); do answers "$2" && return 0; sleep 1; done
  echo "$1 did not come up on port $2" >&2
  return 1
}

if ! answers 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port PostgreSQL 5432
fi
if ! answers 3306; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_port MariaDB 3306
fi
if ! answers 5672; then
  echo "starting RabbitMQ"
  (cd /tmp && rabbitmq-server -detached)
  wait_port RabbitMQ 5672
fi
echo "services: PostgreSQL 5432, MariaDB 3306, RabbitMQ 5672 answer"
