# gem install fluent-logger; ruby examples/clients/ruby.rb
require 'fluent-logger'

log = Fluent::Logger::FluentLogger.new('app', host: '127.0.0.1', port: 24224, nanosecond_precision: true)
unless log.post('login', { 'action' => 'login', 'user' => 2 })
  warn log.last_error
end
log.close
