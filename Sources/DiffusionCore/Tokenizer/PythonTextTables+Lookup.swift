/// The generated tables of `PythonTextTables`, parsed once on first use.
extension PythonTextTables {
    /// `html.entities.html5`, keyed by the entity name after `&`, with or without its `;`.
    static let html5: [String: [Unicode.Scalar]] = namedTable(html5Entities)
    /// ftfy's all-caps entity names (`EACUTE;`) that `html5` lacks.
    static let ftfyUpperCase: [String: [Unicode.Scalar]] = namedTable(ftfyUpperCaseEntities)
    /// Numeric references `html.unescape` replaces by something else than their code point.
    static let invalidCharacterReferences: [UInt32: [Unicode.Scalar]] = codeTable(htmlInvalidCharacterReferences)
    /// Numeric references `html.unescape` drops.
    static let invalidCodePoints: Set<UInt32> = Set(codeTable(htmlInvalidCodePoints).keys)
    /// ftfy's `fix_character_width` map.
    static let widthMap: [UInt32: [Unicode.Scalar]] = codeTable(ftfyWidthMap)
    /// ftfy's `fix_latin_ligatures` map.
    static let ligatures: [UInt32: [Unicode.Scalar]] = codeTable(ftfyLigatures)
    /// ftfy's `fix_c1_controls` map.
    static let c1Controls: [UInt32: [Unicode.Scalar]] = codeTable(ftfyC1Controls)
    /// What ftfy's `remove_control_chars` deletes.
    static let controlCharacters: Set<UInt32> = Set(codeTable(ftfyControlCharacters).keys)

    /// Lines `key replacement`, the replacement as hexadecimal code points joined by `.`.
    private static func entries(_ table: String) -> [(key: Substring, replacement: [Unicode.Scalar])] {
        table.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            let replacement = fields.dropFirst().first.map { $0.split(separator: ".").compactMap { UInt32($0, radix: 16).flatMap(Unicode.Scalar.init) } }
            return (fields.first ?? "", replacement ?? [])
        }
    }

    private static func namedTable(_ table: String) -> [String: [Unicode.Scalar]] {
        Dictionary(entries(table).map { (String($0.key), $0.replacement) }, uniquingKeysWith: { $1 })
    }

    private static func codeTable(_ table: String) -> [UInt32: [Unicode.Scalar]] {
        Dictionary(entries(table).compactMap { entry in UInt32(entry.key, radix: 16).map { ($0, entry.replacement) } }, uniquingKeysWith: { $1 })
    }
}
