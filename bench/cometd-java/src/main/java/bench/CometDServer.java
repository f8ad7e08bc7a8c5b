// The CometD Java server (org.cometd.java 8, Jetty 12), the notifier's second fan-out baseline:
// long-polling and websocket on 127.0.0.1 at the notifier's path, connects held up to 30 s as
// ours and Faye's are. A second port takes POST {"channel", "data"} and publishes it
// server-side (the injection point the bench times from); GET on it answers 200 once both
// ports serve.
//   java -cp 'classes:libs/*' bench.CometDServer PORT CONTROL_PORT [MOUNT]
package bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.cometd.bayeux.Promise;
import org.cometd.bayeux.server.BayeuxServer;
import org.cometd.bayeux.server.LocalSession;
import org.cometd.bayeux.server.ServerChannel;
import org.cometd.server.BayeuxServerImpl;
import org.cometd.server.http.JSONHttpTransport;
import org.cometd.server.http.jakarta.CometDServlet;
import org.cometd.server.websocket.jetty.JettyWebSocketTransport;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Context;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ajax.JSON;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

public final class CometDServer {
  private static final long IDLE_TIMEOUT_MS = 60_000L;

  private CometDServer() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int controlPort = Integer.parseInt(args[1]);
    String mount = args.length > 2 ? args[2] : "/api/v2/notifications";

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    // Longer than a held connect (30 s): at Jetty's default of 30 s the connector closed
    // connections whose poll was just about to be answered (sessions lost under load).
    connector.setIdleTimeout(IDLE_TIMEOUT_MS);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    server.setHandler(context);
    context.insertHandler(WebSocketUpgradeHandler.from(server, context));

    BayeuxServerImpl bayeux = new BayeuxServerImpl();
    bayeux.setOption("timeout", 30_000L);
    bayeux.setOption("ws.idleTimeout", IDLE_TIMEOUT_MS);
    // The load generator keeps no cookies (ours authenticates by one it is given): without
    // these, CometD would refuse a long-polling clientId that comes without its BAYEUX_BROWSER
    // cookie (402::session_unknown) and hold one long poll per "browser" only.
    bayeux.setOption("trustClientSession", true);
    bayeux.setOption("maxSessionsPerBrowser", -1);
    bayeux.setOption("cometdURLMapping", mount);
    bayeux.setOption(Context.class.getName(), context.getContext());
    bayeux.setTransports(new JettyWebSocketTransport(bayeux), new JSONHttpTransport(bayeux));
    context.setAttribute(BayeuxServer.ATTRIBUTE, bayeux);
    ServletHolder cometd = new ServletHolder(CometDServlet.class);
    cometd.setAsyncSupported(true);
    context.addServlet(cometd, mount);

    server.start();
    bayeux.start();
    LocalSession publisher = bayeux.newLocalSession("publisher");
    publisher.handshake();

    HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", controlPort), 64);
    control.createContext("/", exchange -> control(exchange, bayeux, publisher));
    control.start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> control.stop(0)));
  }

  @SuppressWarnings("unchecked")
  private static void control(HttpExchange exchange, BayeuxServer bayeux, LocalSession publisher)
      throws IOException {
    if ("POST".equals(exchange.getRequestMethod())) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, Object> message = (Map<String, Object>) new JSON().fromJSON(body);
      ServerChannel channel =
          bayeux.createChannelIfAbsent((String) message.get("channel")).getReference();
      channel.publish(publisher, message.get("data"), Promise.noop());
    }
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, ok.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(ok);
    }
  }
}
