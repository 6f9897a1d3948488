import Stages
import Testing

struct ExecuteAPIHostTests {
    @Test func regionFromExecuteAPIHosts() {
        #expect(ExecuteAPIHost.region(fromURL: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod") == "eu-west-1")
        #expect(ExecuteAPIHost.region(fromURL: "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/prod") == "cn-north-1")
        #expect(ExecuteAPIHost.region(fromURL: "https://abc123-vpce-0123.execute-api.us-east-2.vpce.amazonaws.com/v1") == "us-east-2")
        #expect(ExecuteAPIHost.region(fromURL: "https://api.example.com/v1") == nil)
    }
}
