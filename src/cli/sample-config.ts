// The sample written by `td-agent --setup DIR`.
export const SAMPLE_CONFIG = `# Tributary / Fluentd sample configuration

# Receive events over HTTP: curl -X POST -d 'json={"hello":"world"}' http://localhost:8888/debug.test
<source>
  @type http
  port 8888
</source>

# Receive events from fluent-cat and logger libraries (forward protocol)
<source>
  @type forward
  port 24224
</source>

# Generate a sample event every second
<source>
  @type sample
  tag debug.sample
  sample {"hello":"world"}
</source>

<match debug.**>
  @type stdout
</match>
`;
