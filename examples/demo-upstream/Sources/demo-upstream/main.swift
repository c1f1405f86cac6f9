import DemoUpstream

// demo-upstream [PORT] [HOST]: the app that `make run` and `make bench` put behind Gatehouse.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 3000 : 3000
let host = arguments.count > 2 ? arguments[2] : "127.0.0.1"
let server = try await DemoUpstreamServer.start(host: host, port: port)
print("demo upstream listening on http://\(host):\(server.port)")
while true { try await Task.sleep(for: .seconds(3_600)) }
