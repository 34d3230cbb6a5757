import Crypto
import Foundation

/// Folder names for prompts: `OUT/images/<object>/<prompt-slug>/p<polar>_a<azimuth>_s<seed>.png`.
///
/// The rule (a pure function of the prompt, then of the job's set of prompts):
/// 1. Unicode compatibility decomposition (NFKD), then combining marks dropped: `Café` → `Cafe`, `ﬁ` → `fi`.
/// 2. Lowercased; every run of characters other than `a`–`z` and `0`–`9` becomes one `-`; no `-` at
///    either end. `A dog, on the beach!` → `a-dog-on-the-beach`.
/// 3. At most `maxLength` (48) characters: a longer slug is cut at the last `-` within the limit when
///    that keeps at least half of it, else at the limit.
/// 4. Nothing left (an empty prompt, only punctuation, only non-Latin script) gives `prompt`.
/// 5. Within a job, prompts whose slugs collide all get `-` and the first 8 hex digits of the SHA-256 of
///    the prompt (UTF-8, NFC) appended, so the names do not depend on the order the prompts are listed.
///    A prompt's folder therefore changes when an edit adds another prompt with the same slug; task
///    ids never depend on names.
public enum PromptSlug {
    /// The longest slug before disambiguation.
    public static let maxLength = 48
    /// The slug of a prompt with nothing usable in it.
    public static let fallback = "prompt"

    /// The slug of one prompt, before disambiguation (steps 1–4).
    public static func slug(for prompt: String) -> String {
        var slug = ""
        var pendingDash = false
        for scalar in prompt.decomposedStringWithCompatibilityMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            let lowered = scalar.properties.lowercaseMapping
            for character in lowered.unicodeScalars {
                if ("a"..."z").contains(character) || ("0"..."9").contains(character) {
                    if pendingDash && !slug.isEmpty { slug.append("-") }
                    pendingDash = false
                    slug.unicodeScalars.append(character)
                } else {
                    pendingDash = true
                }
            }
        }
        if slug.count > maxLength {
            let cut = slug.prefix(maxLength)
            if let dash = cut.lastIndex(of: "-"), cut.distance(from: cut.startIndex, to: dash) >= maxLength / 2 {
                slug = String(cut[..<dash])
            } else {
                slug = String(cut)
            }
        }
        return slug.isEmpty ? fallback : slug
    }

    /// Folder names for a job's distinct prompts, in the same order (step 5 applied).
    public static func folderNames(for prompts: [String]) -> [String] {
        let slugs = prompts.map(slug(for:))
        var uses: [String: Set<String>] = [:]
        for (prompt, slug) in zip(prompts, slugs) { uses[slug, default: []].insert(prompt) }
        return zip(prompts, slugs).map { prompt, slug in
            (uses[slug]?.count ?? 0) > 1 ? "\(slug)-\(shortDigest(of: prompt))" : slug
        }
    }

    /// The first 8 hex digits of SHA-256(UTF-8 of the NFC form).
    static func shortDigest(of prompt: String) -> String {
        SHA256.hash(data: Data(prompt.precomposedStringWithCanonicalMapping.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
    }
}
