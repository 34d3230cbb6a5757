import Foundation
import Testing
@testable import DiffusionCore

struct ClipVocabularyFileTests {
    @Test func cacheFolderFollowsTheEnvironment() {
        #expect(ClipVocabularyFile.cacheDirectory(environment: ["CUSTOMNET_CACHE": "/srv/cache", "HOME": "/h"]) == "/srv/cache/clip")
        #expect(ClipVocabularyFile.cacheDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]) == "/x/customnet/clip")
        #expect(ClipVocabularyFile.cacheDirectory(environment: ["HOME": "/h"]) == "/h/.cache/customnet/clip")
    }

    @Test func aMissingFileSaysWhereAndWhatToDo() {
        let error = #expect(throws: MissingFileError.self) {
            try ClipVocabularyFile.locate(environment: ["CUSTOMNET_CACHE": "/nonexistent/customnet"])
        }
        #expect(error?.description == "/nonexistent/customnet/clip/bpe_simple_vocab_16e6.txt.gz: not found; run ops/setup, which downloads and checks it")
    }

    /// `ops/setup` has run before the tests (the README's test command does that), so the real file is there.
    @Test func setupPlacedTheGzippedVocabulary() throws {
        let path = try ClipVocabularyFile.locate()
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.count == 1_356_917)
        #expect(Array(bytes.prefix(2)) == [0x1F, 0x8B])
    }
}
