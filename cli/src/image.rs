//! Writing an executable without a linker: a copy of the runtime template (the runtime
//! linked once into a position-independent executable, see `link::runtime_template`)
//! with the compiled module appended as one more loadable segment (the contract with the
//! runtime is `wasi_aot_abi::image`).
//!
//! The module object's sections go into the new segment, after the template's last page:
//! code first, then the read-only part (the [`ImageHeader`], GOT entries, the fixup list
//! and the object's read-only data), then writable data if the object has any. The
//! relocations are resolved here. The whole image loads at one bias, so calls and
//! PC-relative references into the runtime become fixed displacements, references
//! through the GOT get entries of their own, and 64-bit absolute addresses are written
//! as link-time addresses plus a fixup that the runtime applies before the module runs.
//!
//! The segment's program header takes the place of the `PT_NOTE` that covers
//! `.note.gnu.property` (the template's other notes keep theirs). The module's symbols
//! join the symbol table as local symbols, with section headers for the new sections,
//! so perf and gdb name wasm functions as in executables linked by `cc`, and the build
//! ID becomes the executable's own.

use anyhow::{bail, Context as _};
use object::elf::{self, FileHeader64, ProgramHeader64, SectionHeader64, Sym64};
use object::read::elf::{
    FileHeader as _, ProgramHeader as _, SectionHeader as _, SectionTable, Sym as _,
};
use object::{
    LittleEndian as LE, Object as _, ObjectSection as _, ObjectSymbol as _, ReadRef,
    RelocationFlags, RelocationTarget, SectionFlags, SymbolKind, SymbolSection,
};
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use wasi_aot_abi::image::{ImageHeader, ImageSlot, PAGE_SIZE, SLOT_MAGIC, SLOT_SYMBOL};

/// What the module's sections become in the segment.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Part {
    /// Executable code: read and execute.
    Code,
    /// Read-only data, and data that is read-only once relocated (`.data.rel.ro`).
    Relro,
    /// Writable data: read and write for the whole run.
    Data,
}

/// A module section placed in the segment.
struct Placed<'data> {
    /// Index of the section in the module object.
    index: object::SectionIndex,
    /// Its name in the executable (`.wasm` + its name in the object).
    name: String,
    part: Part,
    /// Link-time address.
    addr: u64,
    size: u64,
    align: u64,
    /// The bytes (empty for `SHT_NOBITS`, which the segment stores as zeros).
    data: &'data [u8],
}

/// Writes the executable: `template` (the runtime template's bytes) with the module
/// `object` (a relocatable object compiled for an executable) appended.
///
/// # Errors
///
/// A template or object this writer does not handle: no spare program header, a
/// relocation of another kind than those compiled code uses, a symbol the runtime does
/// not define. Callers link with `cc` instead.
pub fn write_executable<'data, R: ReadRef<'data>>(
    template: R,
    object: &[u8],
) -> anyhow::Result<Executable> {
    let template = Template::parse(template).context("reading the runtime template")?;
    let module = object::File::parse(object).context("reading the compiled object")?;
    // The module's segment sits at the same file offset as its address (a few pages of
    // zeros after the template's loaded part): perf symbolizes a PIE's samples through
    // file offsets as if every code segment had p_vaddr == p_offset, as GNU ld lays
    // them out, and named every sample in a module placed 8 KiB above its offset after
    // the function 8 KiB below it (or after the template's `_end`).
    let segment_offset =
        align_up(template.alloc_end, PAGE_SIZE).max(align_up(template.vaddr_end, PAGE_SIZE));
    let layout = Layout::new(&module, loaded_sections(&module)?, segment_offset)?;
    let resolver = Resolver {
        module: &module,
        section_addr: layout.placed.iter().map(|p| (p.index, p.addr)).collect(),
        runtime: &template.symbols,
    };
    let segment = layout.segment(&module, &resolver)?;

    // The module's sections and symbols, as the tables will list them.
    let image_section = Placed {
        index: object::SectionIndex(0),
        name: ".wasm.image".into(),
        part: Part::Relro,
        addr: layout.header_vaddr,
        size: layout.fixups_vaddr + 8 * layout.fixup_count - layout.header_vaddr,
        align: 8,
        data: &[],
    };
    let new_sections: Vec<&Placed> = std::iter::once(&image_section)
        .chain(&layout.placed)
        .collect();
    let symbols = module_symbols(&module, &layout.placed, template.sections.len(), &resolver)?;

    // Everything past the template's loaded part, then the patches to that part.
    let mut rest = vec![0u8; (segment_offset - template.alloc_end) as usize];
    rest.extend_from_slice(&segment);
    let file_header = template.write_tail(
        &mut rest,
        &new_sections,
        layout.vaddr,
        segment_offset,
        &symbols,
    )?;
    let mut patches = vec![(0, file_header)];
    patches.push(template.program_headers_patch(segment_offset, layout.vaddr, layout.size())?);
    patches.push(template.slot_patch(layout.header_vaddr)?);
    patches.extend(template.build_id_patch(object)?);
    Ok(Executable {
        prefix_len: template.alloc_end,
        patches,
        rest,
    })
}

/// The object's loaded sections, code first, then read-only, then writable data.
fn loaded_sections<'data>(module: &object::File<'data>) -> anyhow::Result<Vec<Placed<'data>>> {
    let mut placed = Vec::new();
    for section in module.sections() {
        let SectionFlags::Elf { sh_flags } = section.flags() else {
            bail!("the compiled object is not ELF");
        };
        if sh_flags & u64::from(elf::SHF_ALLOC) == 0 {
            continue;
        }
        let name = section.name().context("a section name")?;
        let part = if sh_flags & u64::from(elf::SHF_EXECINSTR) != 0 {
            Part::Code
        } else if sh_flags & u64::from(elf::SHF_WRITE) == 0 || name.starts_with(".data.rel.ro") {
            Part::Relro
        } else {
            Part::Data
        };
        if sh_flags & u64::from(elf::SHF_TLS) != 0 {
            bail!("section {name} is thread-local");
        }
        let data = if section.kind() == object::SectionKind::UninitializedData {
            &[][..]
        } else {
            match section.data()? {
                data if data.len() as u64 == section.size() => data,
                _ => bail!("section {name} has no data"),
            }
        };
        placed.push(Placed {
            index: section.index(),
            name: format!(".wasm{name}"),
            part,
            addr: 0,
            size: section.size(),
            align: section.align().max(1),
            data,
        });
    }
    placed.sort_by_key(|p| p.part);
    Ok(placed)
}

/// Where everything goes in the appended segment.
struct Layout<'data> {
    /// Link-time address of the segment (page-aligned).
    vaddr: u64,
    /// The object's sections, with their addresses.
    placed: Vec<Placed<'data>>,
    /// GOT slot of each symbol referred to through the GOT, by symbol index.
    got: BTreeMap<usize, u64>,
    /// The [`ImageHeader`], then the GOT, then the fixup list, start the relro part.
    header_vaddr: u64,
    got_vaddr: u64,
    fixups_vaddr: u64,
    fixup_count: u64,
    relro_end: u64,
    data_end: u64,
}

impl<'data> Layout<'data> {
    /// Lays `placed` out from `vaddr`, part by part, after counting the GOT entries and
    /// fixups the relro part reserves room for.
    fn new(
        module: &object::File<'data>,
        mut placed: Vec<Placed<'data>>,
        vaddr: u64,
    ) -> anyhow::Result<Self> {
        let mut got: BTreeMap<usize, u64> = BTreeMap::new();
        let mut absolute = 0u64;
        for p in &placed {
            for (_, reloc) in module.section_by_index(p.index)?.relocations() {
                let RelocationTarget::Symbol(symbol) = reloc.target() else {
                    bail!("a relocation in {} has no symbol", p.name);
                };
                match elf_type(&reloc)? {
                    elf::R_X86_64_64 => absolute += 1,
                    GOTPCREL | GOTPCRELX | REX_GOTPCRELX => {
                        let next = got.len() as u64;
                        got.entry(symbol.0).or_insert(next);
                    }
                    _ => {}
                }
            }
        }
        let fixup_count = absolute + got.len() as u64;
        let mut place = |part: Part, mut cursor: u64| {
            for p in placed.iter_mut().filter(|p| p.part == part) {
                cursor = align_up(cursor, p.align);
                p.addr = cursor;
                cursor += p.size;
            }
            align_up(cursor, PAGE_SIZE)
        };
        let header_vaddr = place(Part::Code, vaddr);
        let got_vaddr = header_vaddr + std::mem::size_of::<ImageHeader>() as u64;
        let fixups_vaddr = got_vaddr + 8 * got.len() as u64;
        let relro_end = place(Part::Relro, fixups_vaddr + 8 * fixup_count);
        let data_end = place(Part::Data, relro_end);
        Ok(Layout {
            vaddr,
            placed,
            got,
            header_vaddr,
            got_vaddr,
            fixups_vaddr,
            fixup_count,
            relro_end,
            data_end,
        })
    }

    /// The segment's size in memory and in the file.
    fn size(&self) -> u64 {
        self.data_end - self.vaddr
    }

    /// The segment's bytes: the sections with their relocations applied, the header,
    /// the GOT and the fixup list.
    fn segment(
        &self,
        module: &object::File<'data>,
        resolver: &Resolver<'_, 'data>,
    ) -> anyhow::Result<Vec<u8>> {
        let mut segment = vec![0u8; self.size() as usize];
        let mut put = |vaddr: u64, bytes: &[u8]| -> anyhow::Result<()> {
            let at = (vaddr - self.vaddr) as usize;
            segment
                .get_mut(at..at + bytes.len())
                .context("a write outside the segment")?
                .copy_from_slice(bytes);
            Ok(())
        };
        for p in &self.placed {
            put(p.addr, p.data)?;
        }
        let mut fixups: Vec<u64> = Vec::with_capacity(self.fixup_count as usize);
        for (&symbol, &slot) in &self.got {
            let entry = self.got_vaddr + 8 * slot;
            put(
                entry,
                &resolver.address(object::SymbolIndex(symbol))?.to_le_bytes(),
            )?;
            fixups.push(entry);
        }
        for p in &self.placed {
            for (offset, reloc) in module.section_by_index(p.index)?.relocations() {
                let RelocationTarget::Symbol(symbol) = reloc.target() else {
                    unreachable!("checked by the layout")
                };
                let place = p.addr + offset;
                let target = resolver.address(symbol)?;
                let relative = |to: u64| {
                    (to as i64)
                        .wrapping_add(reloc.addend())
                        .wrapping_sub(place as i64)
                };
                let displacement = |to: u64| {
                    i32::try_from(relative(to))
                        .map(i32::to_le_bytes)
                        .map_err(|_| {
                            anyhow::anyhow!("a displacement in {} is out of range", p.name)
                        })
                };
                match elf_type(&reloc)? {
                    elf::R_X86_64_64 => {
                        if p.part == Part::Code {
                            bail!("an absolute address in code ({})", p.name);
                        }
                        fixups.push(place);
                        put(
                            place,
                            &target.wrapping_add_signed(reloc.addend()).to_le_bytes(),
                        )?;
                    }
                    elf::R_X86_64_PC32 | elf::R_X86_64_PLT32 => put(place, &displacement(target)?)?,
                    elf::R_X86_64_PC64 => put(place, &relative(target).to_le_bytes())?,
                    GOTPCREL | GOTPCRELX | REX_GOTPCRELX => {
                        let entry = self.got_vaddr + 8 * self.got[&symbol.0];
                        put(place, &displacement(entry)?)?;
                    }
                    other => bail!("relocation type {other} in {} is not supported", p.name),
                }
            }
        }
        for (i, fixup) in fixups.iter().enumerate() {
            put(self.fixups_vaddr + 8 * i as u64, &fixup.to_le_bytes())?;
        }
        let main = module
            .symbols()
            .find(|s| s.is_definition() && s.name() == Ok("main"))
            .context("the compiled object defines no main")?;
        let header = ImageHeader {
            main_vaddr: resolver.address(main.index())?,
            fixups_vaddr: self.fixups_vaddr,
            fixup_count: self.fixup_count,
            relro_start: self.header_vaddr,
            relro_end: self.relro_end,
            data_end: self.data_end,
        };
        put(self.header_vaddr, &image_header_bytes(&header))?;
        Ok(segment)
    }
}

/// The GOT-relative relocation types (x86_64 ELF), resolved alike.
const GOTPCREL: u32 = elf::R_X86_64_GOTPCREL;
const GOTPCRELX: u32 = elf::R_X86_64_GOTPCRELX;
const REX_GOTPCRELX: u32 = elf::R_X86_64_REX_GOTPCRELX;

/// Symbol addresses: the object's own, else the runtime's.
struct Resolver<'a, 'data> {
    module: &'a object::File<'data>,
    section_addr: HashMap<object::SectionIndex, u64>,
    runtime: &'a HashMap<&'a [u8], u64>,
}

impl Resolver<'_, '_> {
    fn address(&self, index: object::SymbolIndex) -> anyhow::Result<u64> {
        let symbol = self.module.symbol_by_index(index)?;
        match symbol.section() {
            SymbolSection::Section(section) => match self.section_addr.get(&section) {
                Some(base) => Ok(base + symbol.address()),
                None => bail!(
                    "symbol {} is in a section that is not loaded",
                    symbol.name().unwrap_or("?")
                ),
            },
            SymbolSection::Absolute => Ok(symbol.address()),
            SymbolSection::Undefined => {
                let name = symbol.name()?;
                self.runtime
                    .get(name.as_bytes())
                    .copied()
                    .with_context(|| format!("the runtime does not define {name}"))
            }
            other => bail!("symbol {} is in {other:?}", symbol.name().unwrap_or("?")),
        }
    }
}

/// The object's function and data symbols in the `placed` sections, for the symbol
/// table, whose new sections start at index `first_new_index` (with `.wasm.image`).
fn module_symbols(
    module: &object::File<'_>,
    placed: &[Placed],
    first_new_index: usize,
    resolver: &Resolver,
) -> anyhow::Result<Vec<NewSymbol>> {
    let mut symbols = Vec::new();
    for symbol in module.symbols() {
        let SymbolSection::Section(section) = symbol.section() else {
            continue;
        };
        let st_type = match symbol.kind() {
            SymbolKind::Text => elf::STT_FUNC,
            SymbolKind::Data => elf::STT_OBJECT,
            SymbolKind::Unknown => elf::STT_NOTYPE,
            _ => continue,
        };
        let Some(position) = placed.iter().position(|p| p.index == section) else {
            continue;
        };
        let name = symbol.name()?;
        if name.is_empty() {
            continue;
        }
        symbols.push(NewSymbol {
            name: name.as_bytes().to_vec(),
            st_type,
            shndx: (first_new_index + 1 + position) as u16,
            value: resolver.address(symbol.index())?,
            size: symbol.size(),
        });
    }
    Ok(symbols)
}

/// An executable to write: the template's loaded part, patched, then the rest.
pub struct Executable {
    /// The template's bytes `[0, prefix_len)` start the executable.
    prefix_len: u64,
    /// Bytes that replace the template's at these offsets (file and program headers,
    /// the image slot).
    patches: Vec<(u64, Vec<u8>)>,
    /// What follows the prefix: the segment, the non-loaded sections and the section
    /// header table.
    rest: Vec<u8>,
}

impl Executable {
    /// Writes the executable to `out` (at its start), copying the prefix from the
    /// `template` file within the kernel.
    pub fn write(&self, template: &mut fs::File, out: &mut fs::File) -> io::Result<()> {
        use std::io::{Read as _, Seek as _, Write as _};
        use std::os::unix::fs::FileExt as _;
        template.seek(io::SeekFrom::Start(0))?;
        let copied = io::copy(&mut template.take(self.prefix_len), out)?;
        if copied != self.prefix_len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the runtime template is shorter than it was",
            ));
        }
        out.write_all(&self.rest)?;
        for (offset, bytes) in &self.patches {
            out.write_all_at(bytes, *offset)?;
        }
        Ok(())
    }

    /// The executable's bytes, given the `template`'s.
    pub fn to_bytes(&self, template: &[u8]) -> Vec<u8> {
        let mut bytes = template[..self.prefix_len as usize].to_vec();
        for (offset, patch) in &self.patches {
            bytes[*offset as usize..*offset as usize + patch.len()].copy_from_slice(patch);
        }
        bytes.extend_from_slice(&self.rest);
        bytes
    }
}

/// A module symbol for the executable's symbol table.
struct NewSymbol {
    name: Vec<u8>,
    st_type: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

/// The ELF relocation type of `reloc`.
fn elf_type(reloc: &object::Relocation) -> anyhow::Result<u32> {
    match reloc.flags() {
        RelocationFlags::Elf { r_type } => Ok(r_type),
        other => bail!("not an ELF relocation: {other:?}"),
    }
}

fn align_up(value: u64, align: u64) -> u64 {
    value.div_ceil(align) * align
}

fn image_header_bytes(header: &ImageHeader) -> Vec<u8> {
    [
        header.main_vaddr,
        header.fixups_vaddr,
        header.fixup_count,
        header.relro_start,
        header.relro_end,
        header.data_end,
    ]
    .iter()
    .flat_map(|word| word.to_le_bytes())
    .collect()
}

/// The parts of the runtime template the writer reads and rewrites.
struct Template<'data, R: ReadRef<'data>> {
    data: R,
    header: FileHeader64<LE>,
    program_headers: Vec<ProgramHeader64<LE>>,
    sections: SectionTable<'data, FileHeader64<LE>, R>,
    /// Index of `.symtab`, of the string table it uses, and of the section names.
    symtab: usize,
    strtab: usize,
    shstrtab: usize,
    /// Global and weak defined symbols, by name.
    symbols: HashMap<&'data [u8], u64>,
    /// Link-time address of the [`ImageSlot`].
    slot_vaddr: u64,
    /// End of the loaded part of the file (what is past it is not mapped).
    alloc_end: u64,
    /// End of the address space the template's segments occupy.
    vaddr_end: u64,
}

impl<'data, R: ReadRef<'data>> Template<'data, R> {
    fn parse(data: R) -> anyhow::Result<Self> {
        let e = LE;
        let header = *FileHeader64::<LE>::parse(data)?;
        if header.e_type.get(e) != elf::ET_DYN || header.e_machine.get(e) != elf::EM_X86_64 {
            bail!("not an x86_64 position-independent executable");
        }
        let program_headers = header.program_headers(e, data)?.to_vec();
        let sections = header.sections(e, data)?;
        let shstrtab = header.shstrndx(e, data)? as usize;
        let symtab = sections
            .iter()
            .position(|s| s.sh_type(e) == elf::SHT_SYMTAB)
            .context("no symbol table")?;
        let strtab = sections.section(object::SectionIndex(symtab))?.sh_link(e) as usize;
        if strtab == shstrtab || strtab >= sections.len() {
            bail!("the symbol table shares the section name table");
        }
        let loads: Vec<&ProgramHeader64<LE>> = program_headers
            .iter()
            .filter(|p| p.p_type(e) == elf::PT_LOAD)
            .collect();
        let alloc_end = loads
            .iter()
            .map(|p| p.p_offset(e) + p.p_filesz(e))
            .max()
            .context("no loadable segment")?;
        let vaddr_end = loads
            .iter()
            .map(|p| p.p_vaddr(e) + p.p_memsz(e))
            .max()
            .unwrap_or(0);
        for (i, s) in sections.iter().enumerate().skip(1) {
            let in_file = s.sh_type(e) != elf::SHT_NOBITS;
            if s.sh_flags(e) & u64::from(elf::SHF_ALLOC) == 0
                && in_file
                && s.sh_offset(e) < alloc_end
            {
                bail!("section {i} is not loaded but lies among the loaded ones");
            }
        }

        // Only global symbols: the runtime object keeps its C symbols, the only ones
        // compiled code refers to, global and makes everything else local.
        let symbol_table = sections.symbols(e, data, elf::SHT_SYMTAB)?;
        let mut symbols = HashMap::new();
        for symbol in symbol_table.iter() {
            let global = matches!(symbol.st_bind(), elf::STB_GLOBAL | elf::STB_WEAK);
            if global && symbol.st_shndx(e) != elf::SHN_UNDEF {
                symbols.insert(symbol.name(e, symbol_table.strings())?, symbol.st_value(e));
            }
        }
        let slot_vaddr = *symbols
            .get(SLOT_SYMBOL.as_bytes())
            .with_context(|| format!("no {SLOT_SYMBOL}"))?;
        Ok(Template {
            data,
            header,
            program_headers,
            sections,
            symtab,
            strtab,
            shstrtab,
            symbols,
            slot_vaddr,
            alloc_end,
            vaddr_end,
        })
    }

    /// Appends to `rest` (which starts where the loaded part ends) the non-loaded
    /// sections (the symbol and string tables extended with the module's) and the
    /// section header table; returns the file header that points at them.
    fn write_tail(
        &self,
        rest: &mut Vec<u8>,
        new_sections: &[&Placed],
        segment_vaddr: u64,
        segment_offset: u64,
        symbols: &[NewSymbol],
    ) -> anyhow::Result<Vec<u8>> {
        let e = LE;
        let base = self.alloc_end;
        let old_section_data =
            |i: usize| -> anyhow::Result<&[u8]> { Ok(self.section(i)?.data(e, self.data)?) };

        let mut shstrtab = old_section_data(self.shstrtab)?.to_vec();
        let mut new_headers = Vec::new();
        for p in new_sections {
            let sh_name = shstrtab.len() as u32;
            shstrtab.extend_from_slice(p.name.as_bytes());
            shstrtab.push(0);
            let mut flags = u64::from(elf::SHF_ALLOC);
            match p.part {
                Part::Code => flags |= u64::from(elf::SHF_EXECINSTR),
                Part::Data => flags |= u64::from(elf::SHF_WRITE),
                Part::Relro => {}
            }
            new_headers.push(SectionHeader64::<LE> {
                sh_name: sh_name.into(),
                sh_type: elf::SHT_PROGBITS.into(),
                sh_flags: flags.into(),
                sh_addr: p.addr.into(),
                sh_offset: (segment_offset + (p.addr - segment_vaddr)).into(),
                sh_size: p.size.into(),
                sh_link: 0.into(),
                sh_info: 0.into(),
                sh_addralign: p.align.into(),
                sh_entsize: 0.into(),
            });
        }

        let mut strtab = old_section_data(self.strtab)?.to_vec();
        let old_symbols = old_section_data(self.symtab)?;
        let symbol_size = std::mem::size_of::<Sym64<LE>>();
        let first_global = self.section(self.symtab)?.sh_info(e) as usize * symbol_size;
        if first_global > old_symbols.len() {
            bail!("the symbol table's first global is past its end");
        }
        let mut symtab = old_symbols[..first_global].to_vec();
        for symbol in symbols {
            let st_name = strtab.len() as u32;
            strtab.extend_from_slice(&symbol.name);
            strtab.push(0);
            let sym = Sym64::<LE> {
                st_name: st_name.into(),
                st_info: (elf::STB_LOCAL << 4) | symbol.st_type,
                st_other: elf::STV_DEFAULT,
                st_shndx: symbol.shndx.into(),
                st_value: symbol.value.into(),
                st_size: symbol.size.into(),
            };
            symtab.extend_from_slice(object::bytes_of(&sym));
        }
        symtab.extend_from_slice(&old_symbols[first_global..]);

        let mut headers: Vec<SectionHeader64<LE>> = self.sections.iter().copied().collect();
        if headers.len() + new_headers.len() >= usize::from(elf::SHN_LORESERVE) {
            bail!("too many sections");
        }
        for (i, section) in headers.iter_mut().enumerate().skip(1) {
            let loaded = section.sh_flags(e) & u64::from(elf::SHF_ALLOC) != 0;
            if loaded || section.sh_type(e) == elf::SHT_NOBITS {
                continue;
            }
            let contents: &[u8] = match i {
                _ if i == self.symtab => &symtab,
                _ if i == self.strtab => &strtab,
                _ if i == self.shstrtab => &shstrtab,
                _ => old_section_data(i)?,
            };
            let offset = align_up(base + rest.len() as u64, section.sh_addralign(e).max(1));
            rest.resize((offset - base) as usize, 0);
            rest.extend_from_slice(contents);
            section.sh_offset = offset.into();
            section.sh_size = (contents.len() as u64).into();
            if i == self.symtab {
                section.sh_info = ((first_global / symbol_size + symbols.len()) as u32).into();
            }
        }
        headers.extend(new_headers);
        let shoff = align_up(base + rest.len() as u64, 8);
        rest.resize((shoff - base) as usize, 0);
        for h in &headers {
            rest.extend_from_slice(object::bytes_of(h));
        }

        let mut file_header = self.header;
        file_header.e_shoff = shoff.into();
        file_header.e_shnum = (headers.len() as u16).into();
        Ok(object::bytes_of(&file_header).to_vec())
    }

    /// The program headers, rewritten in place: the `PT_NOTE` of `.note.gnu.property`
    /// goes, the segment's `PT_LOAD` follows the template's last one (loaders expect them
    /// in address order).
    fn program_headers_patch(
        &self,
        segment_offset: u64,
        segment_vaddr: u64,
        segment_size: u64,
    ) -> anyhow::Result<(u64, Vec<u8>)> {
        let e = LE;
        let property = self
            .sections
            .section_by_name(e, b".note.gnu.property")
            .map(|(_, s)| s.sh_offset(e));
        let notes: Vec<usize> = (0..self.program_headers.len())
            .filter(|&i| self.program_headers[i].p_type(e) == elf::PT_NOTE)
            .collect();
        let spare = notes
            .iter()
            .copied()
            .find(|&i| Some(self.program_headers[i].p_offset(e)) == property)
            .filter(|_| notes.len() > 1)
            .context("no spare program header (the template needs a second PT_NOTE)")?;
        let mut headers = self.program_headers.clone();
        headers.remove(spare);
        let last_load = headers
            .iter()
            .rposition(|p| p.p_type(e) == elf::PT_LOAD)
            .context("no loadable segment")?;
        headers.insert(
            last_load + 1,
            ProgramHeader64::<LE> {
                p_type: elf::PT_LOAD.into(),
                p_flags: (elf::PF_R | elf::PF_X).into(),
                p_offset: segment_offset.into(),
                p_vaddr: segment_vaddr.into(),
                p_paddr: segment_vaddr.into(),
                p_filesz: segment_size.into(),
                p_memsz: segment_size.into(),
                p_align: PAGE_SIZE.into(),
            },
        );
        let bytes = headers
            .iter()
            .flat_map(|h| object::bytes_of(h).to_vec())
            .collect();
        Ok((self.header.e_phoff.get(e), bytes))
    }

    /// The template's [`ImageSlot`], filled in.
    fn slot_patch(&self, header_vaddr: u64) -> anyhow::Result<(u64, Vec<u8>)> {
        let e = LE;
        let offset = self
            .program_headers
            .iter()
            .filter(|p| p.p_type(e) == elf::PT_LOAD)
            .find(|p| {
                p.p_vaddr(e) <= self.slot_vaddr
                    && self.slot_vaddr + std::mem::size_of::<ImageSlot>() as u64
                        <= p.p_vaddr(e) + p.p_filesz(e)
            })
            .map(|p| self.slot_vaddr - p.p_vaddr(e) + p.p_offset(e))
            .context("the image slot is not in the file")?;
        let magic = self
            .data
            .read_bytes_at(offset, SLOT_MAGIC.len() as u64)
            .map_err(|()| anyhow::anyhow!("the image slot is not in the file"))?;
        if magic != SLOT_MAGIC {
            bail!("the image slot does not start with its magic");
        }
        let mut slot = SLOT_MAGIC.to_vec();
        slot.extend_from_slice(&self.slot_vaddr.to_le_bytes());
        slot.extend_from_slice(&header_vaddr.to_le_bytes());
        debug_assert_eq!(slot.len(), std::mem::size_of::<ImageSlot>());
        Ok((offset, slot))
    }

    /// A build ID of the executable's own in place of the template's (which every
    /// executable made from it would otherwise share, and perf's build-ID cache and
    /// debuginfod would take for one binary): the template's ID hashed with the
    /// compiled `object`, truncated to the same length. None if there is no build ID.
    fn build_id_patch(&self, object: &[u8]) -> anyhow::Result<Option<(u64, Vec<u8>)>> {
        use sha2::Digest as _;
        let Some((_, section)) = self
            .sections
            .section_by_name(LE, b".note.gnu.build-id")
            .filter(|(_, s)| s.sh_type(LE) == elf::SHT_NOTE)
        else {
            return Ok(None);
        };
        let note = section.data(LE, self.data)?;
        let word = |at: usize| {
            note.get(at..at + 4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        };
        let (Some(name_size), Some(desc_size)) = (word(0), word(4)) else {
            bail!("a truncated build ID note");
        };
        let desc_at = 12 + name_size.div_ceil(4) * 4;
        let old = note
            .get(desc_at..desc_at + desc_size)
            .context("a truncated build ID note")?;
        let hash = sha2::Sha256::new()
            .chain_update(old)
            .chain_update(object)
            .finalize();
        if desc_size > hash.len() {
            bail!("a build ID longer than SHA-256");
        }
        Ok(Some((
            section.sh_offset(LE) + desc_at as u64,
            hash[..desc_size].to_vec(),
        )))
    }

    /// Section header `index`.
    fn section(&self, index: usize) -> anyhow::Result<&'data SectionHeader64<LE>> {
        Ok(self.sections.section(object::SectionIndex(index))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object::write::{Object, Relocation, StandardSection, Symbol, SymbolSection as At};
    use object::{Architecture, BinaryFormat, Endianness, SymbolFlags, SymbolScope};

    /// The runtime template, linked once for these tests.
    fn template() -> &'static [u8] {
        static TEMPLATE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        TEMPLATE.get_or_init(|| {
            use std::io::Read as _;
            let cache = tempfile::tempdir().unwrap();
            let mut bytes = Vec::new();
            let mut file = crate::link::runtime_template(Some(cache.path())).unwrap();
            file.read_to_end(&mut bytes).unwrap();
            bytes
        })
    }

    /// An object defining `main` (a `ret`) and 8 bytes of data holding a relocation of
    /// `r_type` against `target` (`main` when `None`, else an undefined symbol).
    fn object_with(r_type: u32, target: Option<&str>) -> Vec<u8> {
        let mut obj = Object::new(BinaryFormat::Elf, Architecture::X86_64, Endianness::Little);
        let text = obj.section_id(StandardSection::Text);
        let main = obj.add_symbol(Symbol {
            name: b"main".to_vec(),
            value: 0,
            size: 1,
            kind: SymbolKind::Text,
            scope: SymbolScope::Linkage,
            weak: false,
            section: At::Section(text),
            flags: SymbolFlags::None,
        });
        obj.append_section_data(text, &[0xc3], 16);
        let data = obj.section_id(StandardSection::ReadOnlyDataWithRel);
        let offset = obj.append_section_data(data, &[0; 8], 8);
        let symbol = match target {
            None => main,
            Some(name) => obj.add_symbol(Symbol {
                name: name.as_bytes().to_vec(),
                value: 0,
                size: 0,
                kind: SymbolKind::Text,
                scope: SymbolScope::Dynamic,
                weak: false,
                section: At::Undefined,
                flags: SymbolFlags::None,
            }),
        };
        obj.add_relocation(
            data,
            Relocation {
                offset,
                symbol,
                addend: 0,
                flags: RelocationFlags::Elf { r_type },
            },
        )
        .unwrap();
        obj.write().unwrap()
    }

    #[test]
    fn absolute_addresses_become_fixups_of_link_time_addresses() {
        let exe = write_executable(template(), &object_with(elf::R_X86_64_64, None))
            .unwrap()
            .to_bytes(template());
        let file = object::File::parse(&*exe).unwrap();
        let section = |name: &str| file.section_by_name(name).unwrap();
        let main = section(".wasm.text").address();
        let data = section(".wasm.data.rel.ro");
        assert_eq!(data.data().unwrap(), main.to_le_bytes());
        // The header starts the image section: main, then the fixup list (one entry).
        let image = section(".wasm.image").data().unwrap().to_vec();
        let word = |i: usize| u64::from_le_bytes(image[8 * i..8 * i + 8].try_into().unwrap());
        assert_eq!(word(0), main);
        assert_eq!(word(2), 1, "one fixup");
        let list = (word(1) - section(".wasm.image").address()) as usize / 8;
        assert_eq!(word(list), data.address());
        // Its program header replaced the property note's.
        let notes = |bytes: &[u8]| {
            let header = FileHeader64::<LE>::parse(bytes).unwrap();
            let phdrs = header.program_headers(LE, bytes).unwrap();
            let count = |t: u32| phdrs.iter().filter(|p| p.p_type(LE) == t).count();
            (count(elf::PT_NOTE), count(elf::PT_LOAD), phdrs.len())
        };
        let (t_notes, t_loads, t_count) = notes(template());
        assert_eq!(notes(&exe), (t_notes - 1, t_loads + 1, t_count));
    }

    #[test]
    fn the_module_segment_sits_at_its_own_address_in_the_file() {
        let exe = write_executable(template(), &object_with(elf::R_X86_64_64, None))
            .unwrap()
            .to_bytes(template());
        let header = FileHeader64::<LE>::parse(&*exe).unwrap();
        let loads: Vec<_> = header
            .program_headers(LE, &*exe)
            .unwrap()
            .iter()
            .filter(|p| p.p_type(LE) == elf::PT_LOAD)
            .collect();
        let module = loads.last().unwrap();
        assert_ne!(
            module.p_flags(LE) & elf::PF_X,
            0,
            "the module's code is last"
        );
        assert_eq!(module.p_offset(LE), module.p_vaddr(LE), "what perf assumes");
        let file = object::File::parse(&*exe).unwrap();
        let text = file.section_by_name(".wasm.text").unwrap();
        assert_eq!(text.file_range().unwrap().0, text.address());
    }

    #[test]
    fn relocations_compiled_code_never_uses_are_refused() {
        let err = write_executable(template(), &object_with(elf::R_X86_64_32, None))
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "relocation type 10 in .wasm.data.rel.ro is not supported"
        );
    }

    #[test]
    fn symbols_the_runtime_lacks_are_refused() {
        let object = object_with(elf::R_X86_64_64, Some("no_such_host_function"));
        let err = write_executable(template(), &object).err().unwrap();
        assert_eq!(
            err.to_string(),
            "the runtime does not define no_such_host_function"
        );
        // The runtime's own symbols resolve.
        let object = object_with(elf::R_X86_64_64, Some("wasi_snapshot_preview1_fd_write"));
        write_executable(template(), &object).unwrap();
    }

    #[test]
    fn a_template_without_a_spare_program_header_is_refused() {
        let mut bytes = template().to_vec();
        let header = *FileHeader64::<LE>::parse(&*bytes).unwrap();
        let phoff = header.e_phoff.get(LE) as usize;
        let size = std::mem::size_of::<ProgramHeader64<LE>>();
        for i in 0..header.e_phnum.get(LE) as usize {
            let at = phoff + i * size;
            if u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == elf::PT_NOTE {
                bytes[at..at + 4].copy_from_slice(&elf::PT_NULL.to_le_bytes());
            }
        }
        let err = write_executable(&*bytes, &object_with(elf::R_X86_64_64, None))
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with("no spare program header"),
            "{err}"
        );
    }
}
