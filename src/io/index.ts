export { InputError, kindOf } from './errors.ts';
export * from './topology.ts';
export * from './trace.ts';
export { writeChromeTrace, type ChromeTraceInfo } from './chrome-trace.ts';
export { chakraFiles, chakraToTrace, readChakraFile, readChakraTrace, dimPartition, type ChakraImportOptions, type ChakraImportStats } from './chakra.ts';
export { decodeChakra, encodeChakra, type ChakraFile, type ChakraNode, type ChakraAttr } from './chakraProto.ts';
export { traceToChakra, writeChakraTrace, type ChakraExportOptions, type ChakraExport } from './chakraWrite.ts';
export { astraTextToTrace, parseAstraText, ASTRA_POLICIES, type AstraTextOptions, type AstraPolicy } from './astraText.ts';
export { parseWorkloadSpec, readWorkloadSpec, parseSetArg } from './workloadSpec.ts';
