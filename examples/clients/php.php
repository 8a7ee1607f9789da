<?php
// composer require fluent/logger; php examples/clients/php.php
require __DIR__ . '/vendor/autoload.php';

use Fluent\Logger\FluentLogger;

$logger = new FluentLogger('127.0.0.1', 24224);
if (!$logger->post('app.login', ['action' => 'login', 'user' => 2])) {
    fwrite(STDERR, "not sent\n");
}
