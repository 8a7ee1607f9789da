// Maven: org.fluentd:fluent-logger:0.3.4 — javac -cp fluent-logger.jar Java.java
import java.util.HashMap;
import java.util.Map;
import org.fluentd.logger.FluentLogger;

public class Java {
  public static void main(String[] args) {
    FluentLogger log = FluentLogger.getLogger("app", "127.0.0.1", 24224);
    Map<String, Object> data = new HashMap<>();
    data.put("action", "login");
    data.put("user", 2);
    if (!log.log("login", data)) System.err.println("not sent (buffered for retry)");
    FluentLogger.closeAll(); // flushes what is buffered
  }
}
