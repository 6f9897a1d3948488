import Foundation
import HTTPMessage
import SigV4
import Testing

/// AWS's SigV4 test suite (`aws-sig-v4-test-suite`, 2015 edition): credentials AKIDEXAMPLE /
/// wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1, service `service`.
///
/// The expected canonical requests, string-to-sign hashes and signatures below were written from the published
/// suite and each one was checked against an independent implementation, botocore 1.43.11
/// (`botocore.auth.SigV4Auth` with the clock fixed at 2015-08-30T12:36:00Z). Two values I had recalled differently
/// (`get-header-value-trim`, `get-slash`) are botocore's; both are consistent with the suite's rules (header
/// values trimmed with inner spaces collapsed; `//` normalised to `/`, so `get-slash` signs exactly like
/// `get-vanilla`).
struct SigV4TestSuiteVectors {
    static let accessKeyID = "AKIDEXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let amzDate = "20150830T123600Z"
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: String?
        var extraHeaders: [(String, String)]
        var body: String = ""
        var canonicalRequest: String
        var canonicalRequestHash: String
        var signature: String
        var testDescription: String { name }
    }

    static func sign(_ vector: Vector) -> SigV4Signature {
        var headers = HTTPHeaders([("Host", "example.amazonaws.com")] + vector.extraHeaders + [("X-Amz-Date", amzDate)])
        if vector.name == "post-sts-header-before" { headers.add(name: "X-Amz-Security-Token", value: stsToken) }
        return SigV4Signer.signature(method: vector.method, path: vector.path, query: vector.query, headers: headers,
                                     signedHeaderNames: SigV4Signer.signableHeaderNames(headers),
                                     payloadHash: sha256Hex(vector.body), amzDate: amzDate, region: "us-east-1",
                                     service: "service", accessKeyID: accessKeyID, secretAccessKey: secret)
    }

    static let stsToken = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

    static let plain = "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + emptyHash

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla", method: "GET", path: "/", query: nil, extraHeaders: [],
               canonicalRequest: "GET\n/\n\n" + plain,
               canonicalRequestHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", path: "/", query: "Param2=value2&Param1=value1", extraHeaders: [],
               canonicalRequest: "GET\n/\nParam1=value1&Param2=value2\n" + plain,
               canonicalRequestHash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-unreserved", method: "GET", path: "/",
               query: "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
               extraHeaders: [],
               canonicalRequest: "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n" + plain,
               canonicalRequestHash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
               signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(name: "get-vanilla-utf8-query", method: "GET", path: "/", query: "ሴ=bar", extraHeaders: [],
               canonicalRequest: "GET\n/\n%E1%88%B4=bar\n" + plain,
               canonicalRequestHash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
               signature: "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        Vector(name: "get-header-key-duplicate", method: "GET", path: "/", query: nil,
               extraHeaders: [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")],
               canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n" + emptyHash,
               canonicalRequestHash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
               signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        Vector(name: "get-header-value-trim", method: "GET", path: "/", query: nil,
               extraHeaders: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
               canonicalRequest: "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n" + emptyHash,
               canonicalRequestHash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-vanilla", method: "POST", path: "/", query: nil, extraHeaders: [],
               canonicalRequest: "POST\n/\n\n" + plain,
               canonicalRequestHash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
               signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", path: "/", query: nil,
               extraHeaders: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
               canonicalRequest: "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
               canonicalRequestHash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
        // The suite's raw request line holds a literal space; the path is encoded once from that.
        Vector(name: "get-space", method: "GET", path: "/example space/", query: nil, extraHeaders: [],
               canonicalRequest: "GET\n/example%20space/\n\n" + plain,
               canonicalRequestHash: "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
               signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        Vector(name: "get-slash", method: "GET", path: "//", query: nil, extraHeaders: [],
               canonicalRequest: "GET\n/\n\n" + plain,
               canonicalRequestHash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
               signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        Vector(name: "post-sts-header-before", method: "POST", path: "/", query: nil, extraHeaders: [],
               canonicalRequest: "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\nx-amz-security-token:\(stsToken)\n\nhost;x-amz-date;x-amz-security-token\n" + emptyHash,
               canonicalRequestHash: "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
               signature: "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"),
    ]

    @Test(arguments: vectors)
    func matchesTheTestSuite(_ vector: Vector) {
        let result = Self.sign(vector)
        #expect(result.canonicalRequest == vector.canonicalRequest)
        #expect(result.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\(vector.canonicalRequestHash)")
        #expect(result.signature == vector.signature)
        #expect(result.authorizationHeader == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(result.signedHeaders), Signature=\(vector.signature)")
    }

    @Test func signingKeyChainMatchesAWSDocumentationExample() {
        // The worked example of AWS's "Deriving the signing key" page (iam, 20120215, us-east-1).
        let key = SigV4Signer.signingKey(secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", day: "20120215", region: "us-east-1", service: "iam")
        #expect(hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }
}

/// Requests as gatecheck sends them to execute-api, signed by ``SigV4Signer/sign(_:date:)`` and compared with
/// botocore 1.43.11 (`SigV4Auth(credentials, "execute-api", "eu-west-1")`, clock fixed at 2024-05-01T10:20:30Z,
/// given the same wire URLs). The Python used is in the comments of each case.
struct SigV4BotocoreCrossChecks {
    static let credentials = AWSCredentials(accessKeyID: "AKIAGATECHECKEXAMPLE", secretAccessKey: "gatecheck/Secret+Key/EXAMPLE0123456789abcd")
    static let date = Date(timeIntervalSince1970: 1_714_558_830) // 2024-05-01T10:20:30Z

    @Test func dateFormatting() {
        #expect(SigV4Time.amzDate(Self.date) == "20240501T102030Z")
        #expect(SigV4Time.parseAmzDate("20240501T102030Z") == Self.date)
        #expect(SigV4Time.parseAmzDate("2024-05-01T10:20:30Z") == nil)
    }

    // sign('GET', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my%20report*v1:final?tag=b&tag=a&empty&x=1%2B2', [])
    @Test func pathWithSpaceStarColonAndRepeatedQueryKeys() throws {
        var request = SignableRequest(method: "GET", url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my%20report*v1:final?tag=b&tag=a&empty&x=1%2B2")
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1")
        let result = try signer.sign(&request, date: Self.date)
        #expect(result.canonicalRequest == """
            GET
            /prod/files/my%2520report%2Av1%3Afinal
            empty=&tag=a&tag=b&x=1%2B2
            host:abc123.execute-api.eu-west-1.amazonaws.com
            x-amz-date:20240501T102030Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(request.headers["Authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAGATECHECKEXAMPLE/20240501/eu-west-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=40744ff1a52b886263de33e68bffbf2078e59c00d1f7c1ef3fd0e4d1a56478d8")
        #expect(request.headers["X-Amz-Date"] == "20240501T102030Z")
        #expect(request.headers["X-Amz-Security-Token"] == nil)
        #expect(request.headers["X-Amz-Content-Sha256"] == nil)
        // Already in wire form: the URL is unchanged (the valueless parameter stays valueless).
        #expect(request.url == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my%20report*v1:final?tag=b&tag=a&empty&x=1%2B2")
    }

    @Test func literalSpaceIsEncodedOnTheWireAndSignedLikeTheEncodedURL() throws {
        var literal = SignableRequest(method: "GET", url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my report*v1:final?tag=b&tag=a&empty&x=1%2B2")
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1")
        try signer.sign(&literal, date: Self.date)
        #expect(literal.url == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/files/my%20report*v1:final?tag=b&tag=a&empty&x=1%2B2")
        #expect(literal.headers["Authorization"]?.hasSuffix("Signature=40744ff1a52b886263de33e68bffbf2078e59c00d1f7c1ef3fd0e4d1a56478d8") == true)
    }

    // sign('POST', 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders',
    //      [('Content-Type','application/json'), ('X-Trace-Note','  a   b  ')],
    //      b'{"id":1,"name":"caf\xc3\xa9"}', token='FQoGZXIvYXdzEXAMPLE/token+value==')
    @Test func postWithBodySessionTokenAndUnsignedUserAgent() throws {
        var credentials = Self.credentials
        credentials.sessionToken = "FQoGZXIvYXdzEXAMPLE/token+value=="
        var request = SignableRequest(method: "POST", url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/orders",
                                      headers: ["Content-Type": "application/json", "X-Trace-Note": "  a   b  ", "User-Agent": "gatecheck/1.0"],
                                      body: Array(#"{"id":1,"name":"café"}"#.utf8))
        let result = try SigV4Signer(credentials: credentials, region: "eu-west-1").sign(&request, date: Self.date)
        #expect(result.canonicalRequest == """
            POST
            /prod/orders

            content-type:application/json
            host:abc123.execute-api.eu-west-1.amazonaws.com
            x-amz-date:20240501T102030Z
            x-amz-security-token:FQoGZXIvYXdzEXAMPLE/token+value==
            x-trace-note:a b

            content-type;host;x-amz-date;x-amz-security-token;x-trace-note
            e6dceb64e1ae3318da9fb087c746159852aaa40e08129d2dc263aac57268b132
            """)
        #expect(request.headers["Authorization"] == "AWS4-HMAC-SHA256 Credential=AKIAGATECHECKEXAMPLE/20240501/eu-west-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-trace-note, Signature=75c9261cffcda21970236e6174a693107aa152f3de6c4a021178726fe073805c")
        #expect(request.headers["X-Amz-Security-Token"] == "FQoGZXIvYXdzEXAMPLE/token+value==")
    }

    // sign('GET', 'http://127.0.0.1:8080/v1/items/a:b/*?q=%E2%9C%93&q=a%20b', [])
    @Test func customDomainWithPortAndEncodedQueryValues() throws {
        var request = SignableRequest(method: "GET", url: "http://127.0.0.1:8080/v1/items/a:b/*?q=✓&q=a%20b")
        let result = try SigV4Signer(credentials: Self.credentials, region: "eu-west-1").sign(&request, date: Self.date)
        #expect(result.canonicalRequest.hasPrefix("GET\n/v1/items/a%3Ab/%2A\nq=%E2%9C%93&q=a%20b\nhost:127.0.0.1:8080\n"))
        #expect(result.signature == "f7108ab5fca8c04a6c6666045ff76589ff6d1618bf33c303968a3c682073fc7f")
        #expect(request.url == "http://127.0.0.1:8080/v1/items/a:b/*?q=%E2%9C%93&q=a%20b")
    }

    @Test func resigningReplacesThePreviousSignature() throws {
        var request = SignableRequest(method: "GET", url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/")
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1")
        try signer.sign(&request, date: Self.date)
        try signer.sign(&request, date: Self.date.addingTimeInterval(60))
        #expect(request.headers.values(for: "Authorization").count == 1)
        #expect(request.headers.values(for: "X-Amz-Date") == ["20240501T102130Z"])
    }

    @Test func optionalContentSHA256Header() throws {
        var request = SignableRequest(method: "PUT", url: "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/x", body: Array("hi".utf8))
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1", addsContentSHA256Header: true)
        let result = try signer.sign(&request, date: Self.date)
        #expect(request.headers["X-Amz-Content-Sha256"] == "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4")
        #expect(result.signedHeaders == "host;x-amz-content-sha256;x-amz-date")
    }

    @Test func refusesRelativeURLs() {
        var request = SignableRequest(method: "GET", url: "/prod/items")
        #expect(throws: SigV4Error.invalidURL("/prod/items")) {
            try SigV4Signer(credentials: Self.credentials, region: "eu-west-1").sign(&request, date: Self.date)
        }
    }
}

func sha256Hex(_ text: String) -> String { SigV4Signer.payloadHash(Array(text.utf8)) }

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
