/**
 * English for the default catalogue's answer words (the definitions carry `label_en` for field
 * labels and titles, not for every choice). Loaded with the form and kiosk screens; a definition's
 * own `label_en` always wins (src/i18n.js `localized`).
 */
import { addWords } from '../i18n.js';

addWords({
  Baik: 'Good', Cukup: 'Fair', Buruk: 'Poor', Kumuh: 'Slum', 'Tidak kumuh': 'Not a slum',
  'Surat pengantar KTP-el': 'ID card (KTP-el) cover letter', 'Surat pengantar Kartu Keluarga': 'Family card cover letter',
  'Pengantar akta kelahiran/kematian': 'Birth/death certificate cover letter', 'Surat keterangan pindah/datang': 'Moving out/in certificate',
  'Surat keterangan tidak mampu': 'Low-income certificate', 'Surat keterangan usaha': 'Business certificate',
  'Rekomendasi izin keramaian': 'Public event permit recommendation', 'Surat keterangan domisili': 'Residence certificate',
  'Legalisasi dokumen': 'Document legalisation',
  'Kotak pengaduan': 'Complaint box', Langsung: 'In person', Telepon: 'Telephone', 'Daring (online)': 'Online',
  Pelayanan: 'Service', Infrastruktur: 'Infrastructure', Kebersihan: 'Cleanliness', Keamanan: 'Security', Sosial: 'Social', Lainnya: 'Other',
  'Tidak sesuai': 'Not as stated', 'Kurang sesuai': 'Partly as stated', Sesuai: 'As stated', 'Sangat sesuai': 'Fully as stated',
  'Tidak mudah': 'Not easy', 'Kurang mudah': 'Somewhat hard', Mudah: 'Easy', 'Sangat mudah': 'Very easy',
  'Tidak cepat': 'Not quick', 'Kurang cepat': 'Somewhat slow', Cepat: 'Quick', 'Sangat cepat': 'Very quick',
  'Sangat mahal': 'Very expensive', 'Cukup mahal': 'Rather expensive', Murah: 'Cheap', Gratis: 'Free',
  'Tidak kompeten': 'Not competent', 'Kurang kompeten': 'Somewhat competent', Kompeten: 'Competent', 'Sangat kompeten': 'Very competent',
  'Tidak sopan dan ramah': 'Not polite or friendly', 'Kurang sopan dan ramah': 'Somewhat polite and friendly',
  'Sopan dan ramah': 'Polite and friendly', 'Sangat sopan dan ramah': 'Very polite and friendly',
  'Tidak ada': 'None', 'Ada tetapi tidak berfungsi': 'Exists but does not work', 'Berfungsi kurang maksimal': 'Works, not fully',
  'Dikelola dengan baik': 'Well managed', 'Sangat baik': 'Very good',
  'Laki-laki': 'Male', Perempuan: 'Female', 'Pegawai swasta': 'Private employee', Wirausaha: 'Self-employed',
});
